//! A closed set of states or kinds with a stored text form: the enum, its
//! `as_str` for the database and `parse` for reading it back. Contexts
//! declare their states with it so a state is never a loose string.

/// Declares an enum whose variants have stored text forms (serde in
/// snake case, an OpenAPI schema, `ALL`, `as_str`, `parse`). The calling
/// crate needs `serde` and `utoipa`.
#[macro_export]
macro_rules! stored_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every value, in the order the UI lists them.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The stored text form.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            /// Parses the stored text form.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$v),)+ _ => None }
            }
        }
    };
}
