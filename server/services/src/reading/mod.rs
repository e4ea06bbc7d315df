//! Reading one message safely: its HTML sanitised for a sandboxed frame, remote images blocked until asked, inline `cid:` images and attachments fetched from the server on demand.
