-- Queue pages walk one unit's cases in deadline order and stop after a
-- page. Every filter has an index that holds its condition, so the walk
-- never looks at rows it would drop (measured on 1 M cases: filters with
-- few matches read the whole unit before).
DROP INDEX cases_case_queue;
DROP INDEX cases_case_assignee;
-- Open cases (the default queue, the deadline filter).
CREATE INDEX cases_case_open ON cases_case (org_unit_id, deadline, reference) WHERE phase <> 'closed';
-- One status (open or closed).
CREATE INDEX cases_case_status ON cases_case (org_unit_id, status, deadline, reference);
-- Open cases of one type.
CREATE INDEX cases_case_type_open ON cases_case (org_unit_id, case_type_id, deadline, reference) WHERE phase <> 'closed';
-- Open cases of one assignee, or of nobody.
CREATE INDEX cases_case_assignee_open ON cases_case (org_unit_id, assignee_id, deadline, reference) WHERE phase <> 'closed';
