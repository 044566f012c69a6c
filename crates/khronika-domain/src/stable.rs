//! `stable_enum!`: enums whose variants have stable names, used in JSON, CSV and forms; and
//! `from_text`, how every value written as text is read.
//!
//! Each generated enum has `ALL`, `as_str`, `parse`, `Display`, and serde that reads and
//! writes the stable name, refusing an unknown one with a message that lists the known ones.

macro_rules! stable_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in a fixed order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }

            /// Parse the stable name.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $( $text => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::stable::from_text(d, concat!("one of the ", $what, " names"), |s| {
                    $name::parse(s).ok_or_else(|| {
                        let known: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        format!(
                            "unknown {} \"{}\"; use one of: {}",
                            $what,
                            crate::ids::quote(s),
                            known.join(", ")
                        )
                    })
                })
            }
        }
    };
}

pub(crate) use stable_enum;

/// Deserialises a value written as text, parsing it inside the deserializer so that a
/// format's error carries its position (serde_json adds the line and column).
pub(crate) fn from_text<'de, D, T, E>(
    d: D,
    expecting: &'static str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    E: std::fmt::Display,
{
    struct TextVisitor<F> {
        expecting: &'static str,
        parse: F,
    }

    impl<'de, T, E, F> serde::de::Visitor<'de> for TextVisitor<F>
    where
        F: FnOnce(&str) -> Result<T, E>,
        E: std::fmt::Display,
    {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.expecting)
        }

        fn visit_str<X: serde::de::Error>(self, v: &str) -> Result<T, X> {
            (self.parse)(v).map_err(X::custom)
        }
    }

    d.deserialize_str(TextVisitor { expecting, parse })
}
