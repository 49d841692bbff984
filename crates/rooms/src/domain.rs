//! The kinds of rooms and the roles in them, each with its stored form.

use kernel::stored_enum;

stored_enum!(
    /// What a room is for; decides who belongs to it.
    RoomKind {
        /// The room of an org unit: its staff are members, its managers
        /// (and their acting deputies) owners.
        Team = "team",
        /// A private project room: members by invitation.
        Project = "project",
        /// An open community: anyone may read and join.
        Community = "community",
        /// The intranet: all staff read, the admins write news.
        Intranet = "intranet",
        /// Direct messages between two people.
        Direct = "direct",
    }
);

stored_enum!(
    /// What a person may do in a room.
    RoomRole {
        /// Manages members, archives the room, and writes.
        Owner = "owner",
        /// Reads and writes.
        Member = "member",
        /// Reads only.
        Reader = "reader",
    }
);

impl RoomRole {
    /// May post, reply and edit their own messages.
    pub fn writes(self) -> bool {
        matches!(self, RoomRole::Owner | RoomRole::Member)
    }

    /// The stronger of two roles.
    pub fn max(self, other: RoomRole) -> RoomRole {
        let rank = |r: RoomRole| match r {
            RoomRole::Owner => 2,
            RoomRole::Member => 1,
            RoomRole::Reader => 0,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// The longest message, in characters.
pub const MAX_MESSAGE: usize = 4000;

/// The @mentions in a message: `@` followed by the local part of a staff
/// e-mail address (`@mia.mobil`), lower-cased, each once.
pub fn mentions(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in body.split_whitespace() {
        let Some(rest) = word.trim_start_matches(['(', '[', '{']).strip_prefix('@') else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .collect();
        let name = name.trim_end_matches(['.', '-', '_']).to_lowercase();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The address of a wiki page from its title: lower case, umlauts
/// spelled out, anything else between words a hyphen
/// ("Führen auf Distanz" → `fuehren-auf-distanz`).
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.trim().to_lowercase().chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ if !out.is_empty() && !out.ends_with('-') => out.push('-'),
            _ => {}
        }
    }
    out.trim_end_matches('-').chars().take(80).collect()
}

/// Wiki links `[[Title]]` (or `[[Title|text]]`) as Markdown links to the
/// room's page of that title.
pub fn wiki_links(body: &str, room: uuid::Uuid) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("[[") {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let inner_and_rest = after.get(2..).unwrap_or("");
        match inner_and_rest.find("]]") {
            Some(end) if !inner_and_rest.get(..end).unwrap_or("").contains('\n') => {
                let inner = inner_and_rest.get(..end).unwrap_or("");
                let (target, text) = inner.split_once('|').unwrap_or((inner, inner));
                let s = slug(target);
                if s.is_empty() {
                    out.push_str("[[");
                    out.push_str(inner);
                    out.push_str("]]");
                } else {
                    let text = text.trim().replace(['[', ']'], "");
                    out.push_str(&format!("[{text}](/arbeit/raeume/{room}/wiki/{s})"));
                }
                rest = inner_and_rest.get(end + 2..).unwrap_or("");
            }
            _ => {
                out.push_str("[[");
                rest = inner_and_rest;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_local_parts_after_an_at_sign_each_once() {
        assert_eq!(
            mentions("@mia.mobil bitte mit @Omar.Oezdemir klären, danke @mia.mobil."),
            vec!["mia.mobil", "omar.oezdemir"]
        );
        assert!(mentions("schreib an info@musterstadt.example").is_empty());
        assert!(mentions("@ allein").is_empty());
        assert_eq!(mentions("(@paula)"), vec!["paula"]);
    }

    #[test]
    fn slugs_and_wiki_links() {
        assert_eq!(slug("Führen auf Distanz!"), "fuehren-auf-distanz");
        assert_eq!(slug("  VPN & Bildschirmsperre "), "vpn-bildschirmsperre");
        let room = uuid::Uuid::nil();
        assert_eq!(
            wiki_links(
                "Siehe [[Führen auf Distanz]] und [[VPN|den VPN-Zugang]]. [[offen",
                room
            ),
            format!(
                "Siehe [Führen auf Distanz](/arbeit/raeume/{room}/wiki/fuehren-auf-distanz) und [den VPN-Zugang](/arbeit/raeume/{room}/wiki/vpn). [[offen"
            )
        );
    }

    #[test]
    fn roles_order_and_writing() {
        assert_eq!(RoomRole::Reader.max(RoomRole::Owner), RoomRole::Owner);
        assert_eq!(RoomRole::Member.max(RoomRole::Reader), RoomRole::Member);
        assert!(!RoomRole::Reader.writes());
        assert_eq!(RoomKind::parse("community"), Some(RoomKind::Community));
    }
}
