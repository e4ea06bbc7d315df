//! Inline images inside the sandboxed frame. The frame has an opaque origin, so the
//! browser sends no session cookie (SameSite) with the frame's image requests, and the
//! response would be refused anyway (opaque response blocking). Each inline address the
//! content page hands out therefore carries a *pass*: the reader's id, the message and an
//! expiry, sealed with the master key (XChaCha20-Poly1305, so it can be neither read nor
//! forged), valid for an hour. The route still checks that the reader may read the
//! mailbox when the image is asked for.

use crate::secrets::MasterKey;

/// How long an inline address works after the page that holds it was served.
pub const PASS_SECS: i64 = 3600;

const TAG: &str = "inline";

/// Unix seconds now, the clock passes are issued and checked by.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A pass for `user_id` to the inline parts of `message_id`, safe in a URL path.
pub fn issue(key: &MasterKey, user_id: i64, message_id: i64, now: i64) -> Option<String> {
    let sealed = key
        .seal(&format!("{TAG}:{user_id}:{message_id}:{}", now + PASS_SECS))
        .ok()?;
    Some(sealed.replace('+', "-").replace('/', "_").replace('=', "~"))
}

/// The reader a pass was issued to, when it is genuine, for this message, and not expired.
pub fn check(key: &MasterKey, pass: &str, message_id: i64, now: i64) -> Option<i64> {
    if pass.len() > 256 {
        return None;
    }
    let sealed = pass.replace('-', "+").replace('_', "/").replace('~', "=");
    let plain = key.open(&sealed).ok()?;
    let mut parts = plain.split(':');
    let (tag, user, message, expires) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let user: i64 = user.parse().ok()?;
    (tag == TAG
        && parts.next().is_none()
        && message.parse::<i64>().ok()? == message_id
        && expires.parse::<i64>().ok()? >= now)
        .then_some(user)
}

/// Gives every inline address of message `message_id` in `html` the reader's pass.
pub fn stamp(html: &str, message_id: i64, pass: &str) -> String {
    let plain = super::html::inline_address(message_id, "");
    let passed = format!("/mail/messages/{message_id}/pass/{pass}/inline/");
    html.replace(&plain, &passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap()
    }

    #[test]
    fn a_pass_opens_its_message_for_its_reader_until_it_expires() {
        let k = key();
        let pass = issue(&k, 7, 42, 1_000).unwrap();
        assert!(
            pass.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_~".contains(c))
        );
        assert_eq!(check(&k, &pass, 42, 1_000), Some(7));
        assert_eq!(check(&k, &pass, 42, 1_000 + PASS_SECS), Some(7));
        assert_eq!(check(&k, &pass, 42, 1_001 + PASS_SECS), None, "expired");
        assert_eq!(check(&k, &pass, 43, 1_000), None, "another message");
        let mut forged = pass.clone().into_bytes();
        forged[30] = if forged[30] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            check(&k, &String::from_utf8(forged).unwrap(), 42, 1_000),
            None
        );
        let other = MasterKey::from_base64("HwAeAR0CHAMbBBoFGQYYBxcIFgkVChQLEwwSDREOEA8=").unwrap();
        assert_eq!(
            check(&other, &pass, 42, 1_000),
            None,
            "another deployment's key"
        );
    }

    #[test]
    fn stamping_reaches_every_inline_address_of_the_message_only() {
        let html = format!(
            r#"<img src="{}"><img src="{}">"#,
            super::super::html::inline_address(5, "a@x"),
            super::super::html::inline_address(6, "b@x")
        );
        let out = stamp(&html, 5, "P");
        assert!(
            out.contains("/mail/messages/5/pass/P/inline/a%40x")
                || out.contains("/mail/messages/5/pass/P/inline/a@x")
        );
        assert!(out.contains("/mail/messages/6/inline/"));
    }
}
