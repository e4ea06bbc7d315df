//! Attachments on their way out, against the real Postfix + Dovecot, on SQLite and
//! PostgreSQL: binary bytes and Cyrillic file names byte-exact in the draft, as delivered
//! and in Sent; a forward carrying the original's attachment.
use crate::common;
use crate::send_fixtures;

use base64::Engine as _;
use common::mail_stack::stack;
use send_fixtures::*;
use services::sending::{self, DraftStart};

#[tokio::test]
async fn attachments_round_trip_byte_exact_with_cyrillic_names() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "sndatt", Smtp::Direct).await;
        let bob = recipient("rcpatt");
        let worker = snd.worker();
        let fields = snd.fields(
            &email(&bob),
            &format!("Вкладення {}", token()),
            "Два файли у вкладенні.",
        );
        let id = snd.draft(&snd.owner, &fields).await;
        let mut bin: Vec<u8> = (0..=255u8).collect();
        bin.extend(binary(300_000));
        let files = [
            ("дані №1 (копія).bin", "application/octet-stream", bin),
            (
                "Звіт «2026».txt",
                "text/plain",
                "Рядок 1\r\nРядок 2\nбез кінця рядка".as_bytes().to_vec(),
            ),
        ];
        for (name, ctype, bytes) in &files {
            let a = snd.attach(&snd.owner, id, name, ctype, bytes).await;
            assert_eq!(a.size, bytes.len() as u64, "{}: {name}", t.backend);
            let (_, back) = sending::attachment_bytes(&snd.st, &snd.owner, id, a.id)
                .await
                .unwrap();
            assert!(&back == bytes, "{}: {name} stored byte-exact", t.backend);
        }
        snd.send(&snd.owner, id, &fields).await;
        snd.wait_sent(&snd.owner, id).await;
        let mid = snd.message_id(id).await;

        let want: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(n, _, b)| ((*n).to_owned(), b.clone()))
            .collect();
        let got = wait_copy(&s, &bob, "INBOX", &mid).await;
        let delivered = got[0].attachments();
        assert_eq!(
            delivered.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
            want.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
            "{}: file names",
            t.backend
        );
        for ((name, bytes), (_, want)) in delivered.iter().zip(&want) {
            assert!(
                bytes == want,
                "{}: {name} delivered byte-exact ({} vs {} bytes)",
                t.backend,
                bytes.len(),
                want.len()
            );
        }
        snd.wait_sent_copy(id).await;
        let in_sent = copies(&s, &snd.user, "Sent", &mid).await;
        assert_eq!(in_sent.len(), 1, "{}", t.backend);
        assert_eq!(
            in_sent[0].attachments(),
            want,
            "{}: the Sent copy too",
            t.backend
        );
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn a_forward_carries_the_original_attachment() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "sndfwd", Smtp::Direct).await;
        let bob = recipient("rcpfwd");
        let tok = token();
        let original = format!("fwd-{tok}@example.test");
        let subject = format!("Договір {tok}");
        let pdf = binary(40_000);
        let name = "договір №7.pdf";
        let encoded_name: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&pdf);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let raw = format!(
            "From: Petro Ivanenko <petro-{tok}@example.test>\r\nTo: {}\r\nSubject: {subject}\r\n\
             Date: {}\r\nMessage-ID: <{original}>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b-{tok}\"\r\n\r\n\
             --b-{tok}\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\nДоговір у вкладенні.\r\n\
             --b-{tok}\r\nContent-Type: application/pdf\r\n\
             Content-Disposition: attachment; filename*=utf-8''{encoded_name}\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b-{tok}--\r\n",
            snd.email(),
            chrono::Utc::now().to_rfc2822(),
            lines.join("\r\n"),
        );
        let row = snd.receive(&s, &raw, &original).await;
        let worker = snd.worker();
        let id = sending::start_draft(
            &snd.st,
            &snd.owner,
            DraftStart::Forward { message_id: row.id },
        )
        .await
        .unwrap();
        let v = snd.view(&snd.owner, id).await;
        assert_eq!(
            v.attachments
                .iter()
                .map(|a| (a.name.as_str(), a.size))
                .collect::<Vec<_>>(),
            vec![(name, pdf.len() as u64)],
            "{}: the original's attachment is carried along",
            t.backend
        );
        assert_eq!(v.fields.subject, format!("Fwd: {subject}"), "{}", t.backend);
        let mut fields = v.fields.clone();
        fields.to = email(&bob);
        snd.send(&snd.owner, id, &fields).await;
        snd.wait_sent(&snd.owner, id).await;
        let mid = snd.message_id(id).await;
        let got = wait_copy(&s, &bob, "INBOX", &mid).await;
        assert_eq!(got[0].subject(), format!("Fwd: {subject}"), "{}", t.backend);
        assert_eq!(
            got[0].attachments(),
            vec![(name.to_owned(), pdf.clone())],
            "{}: delivered byte-exact",
            t.backend
        );
        assert!(
            got[0].text().contains("Договір у вкладенні."),
            "{}: the original's text is in the forward: {}",
            t.backend,
            got[0].text()
        );
        worker.shutdown().await;
    }
}

/// An upload still arriving when Send is pressed is refused at its end and removed: it
/// is never listed as added to a message that went without it.
#[tokio::test]
async fn an_upload_that_ends_after_send_is_refused_not_dropped() {
    use bytes::Bytes;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use services::{ServiceError, entities::draft_attachment};
    let s = stack();
    for t in common::databases().await {
        // No send worker: the draft stays queued.
        let snd = sender(&t.db, &s, "sndlate", Smtp::Direct).await;
        let fields = snd.fields(
            &email(&recipient("rcplate")),
            &format!("Пізно {}", token()),
            "Вкладення ще вантажиться.",
        );
        let id = snd.draft(&snd.owner, &fields).await;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Result<Bytes, std::io::Error>>();
        let body = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|piece| (piece, rx))
        }));
        tx.send(Ok(Bytes::from_static(b"first part; "))).unwrap();
        let rows = || {
            draft_attachment::Entity::find()
                .filter(draft_attachment::Column::DraftId.eq(id))
                .count(snd.db())
        };
        let upload =
            sending::add_attachment(&snd.st, &snd.owner, id, "пізно.txt", "text/plain", body);
        let meanwhile = async {
            // The upload has begun (its row is there, not yet complete), then Send.
            eventually("the upload under way", DELIVERY, || async {
                (rows().await.unwrap() == 1).then_some(())
            })
            .await;
            let v = snd.send(&snd.owner, id, &fields).await;
            assert_eq!(v.state, domain::SendState::Queued, "{}", t.backend);
            tx.send(Ok(Bytes::from_static(b"the rest."))).unwrap();
            drop(tx);
        };
        let (added, ()) = tokio::join!(upload, meanwhile);
        assert!(
            matches!(added, Err(ServiceError::DraftChanged)),
            "{}: {added:?}",
            t.backend
        );
        assert_eq!(rows().await.unwrap(), 0, "{}: removed", t.backend);
        assert!(
            snd.view(&snd.owner, id).await.attachments.is_empty(),
            "{}: not listed",
            t.backend
        );
    }
}
