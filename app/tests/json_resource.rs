//! The resources' JSON codec against Leptos's own: the same text out, the same value back.
//! (The app's only tests outside `domain`: an integration test, so `cargo test` never
//! compiles the whole app a second time in test mode.)

use app::json_resource::SliceJson;
use leptos::server::codee::{Decoder, Encoder, string::JsonSerdeCodec};

#[test]
fn writes_and_reads_what_json_serde_codec_does() {
    let value: Result<Vec<(i64, String)>, String> = Ok(vec![(1, "лист \"α\"".into())]);
    let ours = <SliceJson as Encoder<_>>::encode(&value).ok();
    let theirs = <JsonSerdeCodec as Encoder<_>>::encode(&value).ok();
    assert_eq!(ours, theirs);
    let text = ours.unwrap_or_default();
    let back: Result<Result<Vec<(i64, String)>, String>, _> =
        <SliceJson as Decoder<_>>::decode(text.as_str());
    assert_eq!(back.ok(), Some(value));
}
