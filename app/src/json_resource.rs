//! Resources whose server-to-browser value is decoded by the same serde_json reader as
//! server-function answers.
//!
//! `Resource::new` decodes its serialized value with `serde_json::from_str`, while server
//! functions decode their answers with `serde_json::from_slice`. Each reader is a separate
//! generic instantiation of every `Deserialize` impl, so a type that is both a resource's
//! value and a server function's answer (nearly all of them) was compiled into the wasm
//! twice. [`SliceJson`] writes the same JSON as `JsonSerdeCodec` (the SSR output is
//! unchanged) and reads it with `from_slice`, so each type's decoder exists once.

use leptos::{
    prelude::Resource,
    server::codee::{Decoder, Encoder},
};
use serde::{Serialize, de::DeserializeOwned};

/// JSON like `JsonSerdeCodec`, decoded through `serde_json::from_slice`.
pub struct SliceJson;

impl<T: Serialize> Encoder<T> for SliceJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for SliceJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A resource carried from the server in JSON (see the module's text).
pub type JsonResource<T> = Resource<T, SliceJson>;

/// `Resource::new` with [`SliceJson`]: not blocking, the value serialized for hydration.
#[track_caller]
pub fn json_resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> JsonResource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
