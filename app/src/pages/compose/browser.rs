//! What only the hydrated page does with the browser: the clock, and attachment uploads
//! by `fetch` (drag and drop, or the file input without a page load). The server build
//! has inert stand-ins (its pages never call them: they run from events and effects).

#[cfg(feature = "hydrate")]
mod imp {
    use crate::error::AppError;
    use domain::ComposeAttachment;
    use leptos::{
        prelude::*,
        serde_json,
        wasm_bindgen::{JsCast, JsValue},
        web_sys::{self, js_sys},
    };
    use wasm_bindgen_futures::JsFuture;

    pub fn now_secs() -> i64 {
        (js_sys::Date::now() / 1000.0) as i64
    }

    /// A file the user chose or dropped.
    pub struct Picked {
        pub file: web_sys::File,
        pub name: String,
        pub size: u64,
    }

    /// The files of a drop or of a file input.
    pub fn files(list: Option<web_sys::FileList>) -> Vec<Picked> {
        let Some(list) = list else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.get(i))
            .map(|file| Picked {
                name: file.name(),
                size: file.size() as u64,
                file,
            })
            .collect()
    }

    pub fn dropped(ev: &web_sys::DragEvent) -> Vec<Picked> {
        files(ev.data_transfer().and_then(|d| d.files()))
    }

    pub fn chosen(input: &web_sys::HtmlInputElement) -> Vec<Picked> {
        files(input.files())
    }

    /// Posts one file to the draft's upload route, asking for JSON.
    pub async fn upload(draft: i64, picked: &Picked) -> Result<ComposeAttachment, AppError> {
        let failed = |err: JsValue| AppError::Request(format!("{err:?}"));
        let form = web_sys::FormData::new().map_err(failed)?;
        form.append_with_blob_and_filename("file", &picked.file, &picked.name)
            .map_err(failed)?;
        let headers = web_sys::Headers::new().map_err(failed)?;
        headers.set("Accept", "application/json").map_err(failed)?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&form);
        init.set_headers(&headers);
        let url = format!("/mail/drafts/{draft}/attachments");
        let res = JsFuture::from(window().fetch_with_str_and_init(&url, &init))
            .await
            .map_err(failed)?;
        let res: web_sys::Response = res.dyn_into().map_err(failed)?;
        let text = JsFuture::from(res.text().map_err(failed)?)
            .await
            .map_err(failed)?
            .as_string()
            .unwrap_or_default();
        if res.ok() {
            serde_json::from_str(&text).map_err(|e| AppError::Request(e.to_string()))
        } else {
            Err(serde_json::from_str(&text)
                .unwrap_or_else(|_| AppError::Request(format!("HTTP {}", res.status()))))
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    pub fn now_secs() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }
}

pub use imp::*;
