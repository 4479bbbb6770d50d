crate::proto_enum! {
    /// `Visibility.Gettable`: who can see a resource.
    pub enum Gettable {
        0 => "UNKNOWN_VISIBILITY",
        /// Only the owner.
        Private = 10 => "PRIVATE",
        /// The owner's organization.
        Org = 30 => "ORG",
        /// Everyone.
        Public = 50 => "PUBLIC",
    }
}

message! {
    /// `Visibility`: `{"gettable": 50}`.
    pub struct Visibility {
        /// Who can see the resource.
        pub gettable: Gettable,
    }
}

impl Visibility {
    /// A visibility of this level.
    pub fn new(gettable: Gettable) -> Self {
        Self { gettable }
    }
}
