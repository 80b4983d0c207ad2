//! The simulated account: users, the IVR, call queues, phone numbers, and the PSTN
//! callers the generator invents. Also the id and token formats the platform uses.

use crate::wire::devices::DeviceType;
use crate::wire::directory::{ExtensionStatus, ExtensionType};
use rand::rngs::StdRng;
use rand::Rng;

/// The simulated account id, when `--account-id` names no other.
pub const ACCOUNT_ID: &str = "480201016";
/// The company's main number (reaches the IVR).
pub const MAIN_NUMBER: &str = "+18885550100";
/// The media server id notifications carry.
pub const SERVER_ID: &str = "10.13.22.27.TAM";

const USER_NAMES: &[&str] = &[
    "Alice Chen",
    "Bob Martinez",
    "Carol Nguyen",
    "David Kim",
    "Emma Johnson",
    "Frank Okafor",
    "Grace Liu",
    "Henry Patel",
    "Isabel Rossi",
    "Jamal Washington",
    "Kira Novak",
    "Liam O'Brien",
    "Maya Singh",
    "Noah Fischer",
    "Olivia Brown",
    "Pedro Alvarez",
    "Quinn Taylor",
    "Rosa Delgado",
    "Sam Rivera",
    "Tara Murphy",
    "Umar Haddad",
    "Vera Ivanova",
    "Will Becker",
    "Yuki Tanaka",
];
const FIRST: &[&str] = &[
    "JORDAN", "MORGAN", "TAYLOR", "CASEY", "RILEY", "AVERY", "JAMIE", "DREW", "KAI", "LOGAN",
    "PARKER", "REESE", "SKYLER", "DANA", "ROBIN", "SASHA",
];
const LAST: &[&str] = &[
    "LEE", "GARCIA", "SMITH", "WONG", "MILLER", "DAVIS", "LOPEZ", "WILSON", "ANDERSON", "THOMAS",
    "MOORE", "JACKSON", "WHITE", "HARRIS", "CLARK", "LEWIS",
];
const AREA: &[&str] = &[
    "408", "415", "650", "212", "312", "617", "206", "512", "303", "404",
];

/// What kind of extension it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtKind {
    User,
    IvrMenu,
    /// A call queue.
    Department,
    Announcement,
    ParkLocation,
}

impl ExtKind {
    /// The wire `type`.
    pub fn wire(self) -> ExtensionType {
        match self {
            ExtKind::User => ExtensionType::User,
            ExtKind::IvrMenu => ExtensionType::IvrMenu,
            ExtKind::Department => ExtensionType::Department,
            ExtKind::Announcement => ExtensionType::Announcement,
            ExtKind::ParkLocation => ExtensionType::ParkLocation,
        }
    }
}

/// One extension of the account.
#[derive(Clone, Debug)]
pub struct Ext {
    pub id: String,
    pub number: String,
    pub name: String,
    pub phone: String,
    /// The soft phone calls are placed from (`from.deviceId`); empty for non-users.
    pub device_id: String,
    pub kind: ExtKind,
    pub status: ExtensionStatus,
}

/// One registered device of a user (supervisor-api.md §5).
#[derive(Clone, Debug)]
pub struct SimDevice {
    pub id: String,
    /// Index of the owner in [`Directory::users`] (or `None` for [`Directory::others`]).
    pub owner: usize,
    pub kind: DeviceType,
    pub name: String,
    pub sku: String,
    pub model: Option<(&'static str, &'static str)>,
    /// Online while the owner is online (a hard phone left unplugged stays Offline).
    pub plugged_in: bool,
}

/// A PSTN party (caller or callee outside the account).
#[derive(Clone, Debug)]
pub struct Outside {
    pub phone: String,
    /// The caller-id name (CNAM), upper case like carriers send it.
    pub cnam: String,
}

/// All extensions of the simulated account.
#[derive(Clone, Debug)]
pub struct Directory {
    pub users: Vec<Ext>,
    pub ivr: Ext,
    pub queues: Vec<Ext>,
    /// Extensions that never take part in calls: an announcement, a park location, a
    /// disabled former user.
    pub others: Vec<Ext>,
    /// Members of each queue (indices into `users`), in queue order.
    pub members: Vec<Vec<usize>>,
    pub devices: Vec<SimDevice>,
    /// The account's id.
    pub account: String,
    /// What its extension, device and call ids start with (see [`id_prefix`]).
    pub prefix: String,
}

/// What the extension, device and call ids of `account` start with: nothing for
/// [`ACCOUNT_ID`] (its ids are the captures'), else the account id's last 8 digits, so
/// that two simulators never share an extension id (the platform's are globally unique)
/// and every id still fits a 64-bit integer.
pub fn id_prefix(account: &str) -> String {
    match account {
        ACCOUNT_ID => String::new(),
        a => a[a.len().saturating_sub(8)..].to_string(),
    }
}

impl Directory {
    /// Builds `account` with `users` user extensions (101, 102, …).
    pub fn new(users: u32, account: &str) -> Directory {
        let prefix = id_prefix(account);
        let users = (0..users as u64)
            .map(|i| Ext {
                id: format!("{prefix}{}", 62_242_400_016u64 + i * 1000),
                number: (101 + i).to_string(),
                name: USER_NAMES
                    .get(i as usize)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| format!("User {}", 101 + i)),
                phone: format!("+1650555{:04}", 1000 + i),
                device_id: format!("{prefix}{}", 210_074_565_016u64 + i * 1000),
                kind: ExtKind::User,
                status: ExtensionStatus::Enabled,
            })
            .collect::<Vec<_>>();
        let dept = |id: &str, number: &str, name: &str, phone: &str, kind| Ext {
            id: format!("{prefix}{id}"),
            number: number.to_string(),
            name: name.to_string(),
            phone: phone.to_string(),
            device_id: String::new(),
            kind,
            status: ExtensionStatus::Enabled,
        };
        let others = vec![
            dept(
                "62299301016",
                "3001",
                "After-Hours Announcement",
                "",
                ExtKind::Announcement,
            ),
            dept(
                "62299401016",
                "4001",
                "Lobby Park",
                "",
                ExtKind::ParkLocation,
            ),
            Ext {
                status: ExtensionStatus::Disabled,
                ..dept(
                    "62242499016",
                    "199",
                    "Former Agent",
                    "+16505559999",
                    ExtKind::User,
                )
            },
        ];
        let members = queue_members(users.len());
        let devices = devices(&users, &prefix);
        Directory {
            account: account.to_string(),
            others,
            members,
            devices,
            users,
            ivr: dept(
                "62299001016",
                "1001",
                "IVR Menu 1001",
                MAIN_NUMBER,
                ExtKind::IvrMenu,
            ),
            queues: vec![
                dept(
                    "62299101016",
                    "2001",
                    "Sales Queue",
                    "+18885550101",
                    ExtKind::Department,
                ),
                dept(
                    "62299102016",
                    "2002",
                    "Support Queue",
                    "+18885550102",
                    ExtKind::Department,
                ),
            ],
            prefix,
        }
    }

    /// The supervisor (the account's operator): the JWT `calltop sim` prints logs in as it.
    pub fn owner(&self) -> &Ext {
        &self.users[0]
    }

    /// Any extension by id or `~` (the owner).
    pub fn by_id(&self, id: &str, owner: &str) -> Option<&Ext> {
        let id = if id == "~" { owner } else { id };
        self.all().find(|e| e.id == id)
    }

    /// Any extension by its short number.
    pub fn by_number(&self, number: &str) -> Option<&Ext> {
        self.all().find(|e| e.number == number)
    }

    /// Every extension: users, IVR, queues, the others.
    pub fn all(&self) -> impl Iterator<Item = &Ext> {
        self.users
            .iter()
            .chain(std::iter::once(&self.ivr))
            .chain(self.queues.iter())
            .chain(self.others.iter())
    }

    /// Index of a user by extension id.
    pub fn user_index(&self, id: &str) -> Option<usize> {
        self.users.iter().position(|u| u.id == id)
    }

    /// Index of a queue by extension id.
    pub fn queue_index(&self, id: &str) -> Option<usize> {
        self.queues.iter().position(|q| q.id == id)
    }

    /// A device by id.
    pub fn device(&self, id: &str) -> Option<&SimDevice> {
        self.devices.iter().find(|d| d.id == id)
    }

    /// The queues user `u` is a member of.
    pub fn queues_of(&self, u: usize) -> Vec<usize> {
        (0..self.queues.len())
            .filter(|&q| self.members[q].contains(&u))
            .collect()
    }

    /// A random outside number with a caller-id name.
    pub fn outside(rng: &mut StdRng) -> Outside {
        let area = AREA[rng.random_range(0..AREA.len())];
        Outside {
            phone: format!("+1{area}555{:04}", rng.random_range(0..10_000)),
            cnam: format!(
                "{} {}",
                FIRST[rng.random_range(0..FIRST.len())],
                LAST[rng.random_range(0..LAST.len())]
            ),
        }
    }
}

/// Queue membership: every user but the owner (the supervisor) is an agent; the first
/// queue takes the first 60 % of the agents, the second the last 60 % (the middle ones
/// are in both). With two agents or fewer, both queues have all of them.
fn queue_members(users: usize) -> Vec<Vec<usize>> {
    let agents: Vec<usize> = (1..users).collect();
    if agents.len() <= 2 {
        let all = if agents.is_empty() { vec![0] } else { agents };
        return vec![all.clone(), all];
    }
    let k = (agents.len() * 6).div_ceil(10);
    vec![agents[..k].to_vec(), agents[agents.len() - k..].to_vec()]
}

/// Every user's devices: the soft phone calls use (`Ext::device_id`), a desk phone (left
/// unplugged for every third user), and for the supervisor a listen-in phone.
fn devices(users: &[Ext], prefix: &str) -> Vec<SimDevice> {
    let mut out = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let base: u64 = u.device_id[prefix.len()..].parse().unwrap_or(0);
        out.push(SimDevice {
            id: u.device_id.clone(),
            owner: i,
            kind: DeviceType::SoftPhone,
            name: format!("{} RingCentral for Desktop", u.name),
            sku: "DV-1".into(),
            model: None,
            plugged_in: true,
        });
        out.push(SimDevice {
            id: format!("{prefix}{}", base + 500),
            owner: i,
            kind: DeviceType::HardPhone,
            name: format!("{} desk phone", u.name),
            sku: "HP-134".into(),
            model: Some(("134", "Polycom VVX 450 Desk Phone")),
            plugged_in: i % 3 != 2,
        });
        if i == 0 {
            out.push(SimDevice {
                id: format!("{prefix}{}", base + 700),
                owner: i,
                kind: DeviceType::OtherPhone,
                name: "Supervisor listen-in phone".into(),
                sku: "DV-2".into(),
                model: None,
                plugged_in: true,
            });
        }
    }
    out
}

/// `n` random bytes as lower-case hex.
pub fn hex(rng: &mut StdRng, bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// A random version-4 UUID string.
pub fn uuid(rng: &mut StdRng) -> String {
    let h = hex(rng, 16);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// An opaque URL-safe token with a recognisable prefix (`SIM0xPxx|…` base64).
pub fn token(rng: &mut StdRng, prefix: &str) -> String {
    use base64::Engine;
    let raw: Vec<u8> = (0..30).map(|_| rng.random::<u8>()).collect();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    )
}

/// A random decimal string of `n` digits, as numeric platform ids are.
pub fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|i| char::from(b'0' + rng.random_range(if i == 0 { 1 } else { 0 }..10u8)))
        .collect()
}
