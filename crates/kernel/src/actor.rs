//! Who performs a use case. Every service call takes an [`Actor`] and checks
//! it against org-unit-scoped roles; templates and handlers never decide
//! permissions.

use crate::id::{AccountId, ApiTokenId, OrgUnitId};
use serde::{Deserialize, Serialize};

/// The roles a staff account can hold in an org unit. A role held in a unit
/// also covers every unit below it in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sachbearbeiter*in: processes cases of the unit.
    Clerk,
    /// Führungskraft: leads the unit, signs, plans presence.
    Manager,
    /// Registratur: file plan, retention, disposal.
    RecordsOffice,
    /// Personalverwaltung: service agreement, enrolment, devices.
    Hr,
    /// Personalrat: sees aggregates only.
    StaffCouncil,
    /// Datenschutzbeauftragte*r: reads the access log.
    DataProtectionOfficer,
    /// Administrator: org units, accounts, roles, integrations.
    Admin,
    /// Kasse: hands fee claims to the treasury, imports bank statements,
    /// clears payments that did not match.
    Treasury,
    /// IT-Service: device inventory and VPN access for mobile work.
    ItService,
}

impl Role {
    /// Every role, in the order the UI lists them.
    pub const ALL: [Role; 9] = [
        Role::Clerk,
        Role::Manager,
        Role::RecordsOffice,
        Role::Hr,
        Role::StaffCouncil,
        Role::DataProtectionOfficer,
        Role::Admin,
        Role::Treasury,
        Role::ItService,
    ];

    /// The stored, stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Manager => "manager",
            Role::RecordsOffice => "records_office",
            Role::Hr => "hr",
            Role::StaffCouncil => "staff_council",
            Role::DataProtectionOfficer => "data_protection_officer",
            Role::Admin => "admin",
            Role::Treasury => "treasury",
            Role::ItService => "it_service",
        }
    }

    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A role held in one org unit, with every unit it covers (the unit and its
/// descendants), resolved when the actor is built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleGrant {
    /// The role.
    pub role: Role,
    /// The unit the role was granted in.
    pub org_unit: OrgUnitId,
    /// The unit itself and all units below it.
    pub covers: Vec<OrgUnitId>,
}

/// What kind of principal acts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ActorKind {
    /// A logged-in staff member.
    Staff,
    /// A logged-in citizen.
    Citizen,
    /// An integration using an API token with the given scopes.
    ApiToken {
        /// The token's id.
        token: ApiTokenId,
        /// Scopes granted to the token, e.g. `accounts:read`.
        scopes: Vec<String>,
    },
    /// rathaus itself (jobs, CLI, demo seeding).
    System,
}

/// The principal performing a use case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The account acting; for API tokens the account that created the token.
    pub account: Option<AccountId>,
    /// Display name for the access log and the UI.
    pub name: String,
    /// What kind of principal this is.
    pub kind: ActorKind,
    /// Roles held, each with the units it covers.
    pub grants: Vec<RoleGrant>,
}

impl Actor {
    /// rathaus itself, e.g. the CLI or the demo seeder. Allowed everything.
    pub fn system(name: &str) -> Actor {
        Actor {
            account: None,
            name: name.to_owned(),
            kind: ActorKind::System,
            grants: Vec::new(),
        }
    }

    /// True for rathaus itself.
    pub fn is_system(&self) -> bool {
        self.kind == ActorKind::System
    }

    /// The units covered by the actor's grants of any of `roles`, sorted,
    /// without repeats.
    pub fn units_with(&self, roles: &[Role]) -> Vec<OrgUnitId> {
        let mut units: Vec<OrgUnitId> = self
            .grants
            .iter()
            .filter(|g| roles.contains(&g.role))
            .flat_map(|g| g.covers.iter().copied())
            .collect();
        units.sort_by_key(|u| u.0);
        units.dedup();
        units
    }

    /// True when the actor holds `role` in any unit (or is the system).
    pub fn has_role_anywhere(&self, role: Role) -> bool {
        self.is_system() || self.grants.iter().any(|g| g.role == role)
    }

    /// True when the actor holds `role` in a unit that covers `unit`.
    pub fn has_role_in(&self, role: Role, unit: OrgUnitId) -> bool {
        self.is_system()
            || self
                .grants
                .iter()
                .any(|g| g.role == role && g.covers.contains(&unit))
    }

    /// For API tokens: whether the token carries `scope`; other actors are
    /// limited by their roles alone.
    pub fn has_scope(&self, scope: &str) -> bool {
        match &self.kind {
            ActorKind::ApiToken { scopes, .. } => scopes.iter().any(|s| s == scope),
            _ => true,
        }
    }

    /// The access-log label of this actor.
    pub fn audit_label(&self) -> String {
        match (&self.kind, self.account) {
            (ActorKind::ApiToken { token, .. }, _) => format!("token:{token}"),
            (ActorKind::System, _) => format!("system:{}", self.name),
            (_, Some(id)) => format!("account:{id}"),
            (_, None) => "anonymous".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clerk_in(unit: OrgUnitId, covers: Vec<OrgUnitId>) -> Actor {
        Actor {
            account: Some(AccountId::new()),
            name: "Erika".into(),
            kind: ActorKind::Staff,
            grants: vec![RoleGrant {
                role: Role::Clerk,
                org_unit: unit,
                covers,
            }],
        }
    }

    #[test]
    fn a_role_covers_the_unit_and_its_descendants_only() {
        let parent = OrgUnitId::new();
        let child = OrgUnitId::new();
        let other = OrgUnitId::new();
        let actor = clerk_in(parent, vec![parent, child]);
        assert!(actor.has_role_in(Role::Clerk, child));
        assert!(!actor.has_role_in(Role::Clerk, other));
        assert!(!actor.has_role_in(Role::Admin, parent));
    }

    #[test]
    fn roles_round_trip_through_their_text_form() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("king"), None);
    }

    #[test]
    fn api_tokens_are_limited_to_their_scopes() {
        let actor = Actor {
            account: None,
            name: "Fachverfahren".into(),
            kind: ActorKind::ApiToken {
                token: ApiTokenId::new(),
                scopes: vec!["accounts:read".into()],
            },
            grants: vec![],
        };
        assert!(actor.has_scope("accounts:read"));
        assert!(!actor.has_scope("accounts:write"));
    }
}
