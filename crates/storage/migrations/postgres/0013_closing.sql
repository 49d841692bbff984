-- Closing (records context): a closed file keeps the day its retention
-- ends, counted from the end of the year in which it was closed.
ALTER TABLE records_file ADD COLUMN retention_until DATE;
