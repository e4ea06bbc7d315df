use super::*;

const EMAIL: &str = "ann@example.com";
const DOMAIN: &str = "example.com";

fn config(servers: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.com">
    <domain>example.com</domain>
    <displayName>Example</displayName>
    {servers}
  </emailProvider>
</clientConfig>"#
    )
}

#[test]
fn reads_imap_and_smtp_with_placeholders() {
    let body = config(
        r#"<incomingServer type="pop3"><hostname>pop.example.com</hostname><port>995</port><socketType>SSL</socketType></incomingServer>
        <incomingServer type="imap">
          <hostname>imap.%EMAILDOMAIN%</hostname>
          <port>993</port>
          <socketType>SSL</socketType>
          <username>%EMAILADDRESS%</username>
        </incomingServer>
        <outgoingServer type="smtp">
          <hostname>SMTP.Example.com</hostname>
          <port> 587 </port>
          <socketType>STARTTLS</socketType>
        </outgoingServer>"#,
    );
    let found = parse(&body, EMAIL, DOMAIN).unwrap();
    let imap = found.imap.unwrap();
    assert_eq!((imap.host.as_str(), imap.port), ("imap.example.com", 993));
    assert_eq!(imap.security, Security::Tls);
    let smtp = found.smtp.unwrap();
    assert_eq!((smtp.host.as_str(), smtp.port), ("smtp.example.com", 587));
    assert_eq!(smtp.security, Security::StartTls);
}

#[test]
fn skips_plain_servers_and_takes_the_next_encrypted_one() {
    let body = config(
        r#"<incomingServer type="imap"><hostname>imap.example.com</hostname><port>143</port><socketType>plain</socketType></incomingServer>
        <incomingServer type="imap"><hostname>imap2.example.com</hostname><port>143</port><socketType>STARTTLS</socketType></incomingServer>
        <outgoingServer type="smtp"><hostname>smtp.example.com</hostname><port>25</port><socketType>plain</socketType></outgoingServer>"#,
    );
    let found = parse(&body, EMAIL, DOMAIN).unwrap();
    assert_eq!(found.imap.unwrap().host, "imap2.example.com");
    assert_eq!(found.smtp, None);
}

#[test]
fn malformed_or_hostile_files_give_nothing_and_never_panic() {
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let cases = [
        String::new(),
        "not xml at all <<<".to_string(),
        "<clientConfig><emailProvider><incomingServer type=\"imap\"></emailProvider></clientConfig>"
            .to_string(),
        deep,
        config(r#"<incomingServer type="imap"><hostname>a&amp;b.example.com</hostname><port>993</port><socketType>SSL</socketType></incomingServer>"#),
        config(r#"<incomingServer type="imap"><hostname>10.0.0.1</hostname><port>993</port><socketType>SSL</socketType></incomingServer>"#),
        config(r#"<incomingServer type="imap"><hostname>imap.example.com</hostname><port>99999</port><socketType>SSL</socketType></incomingServer>"#),
        config(r#"<incomingServer type="imap"><hostname>imap.example.com</hostname><port>0</port><socketType>SSL</socketType></incomingServer>"#),
        config(&format!(
            r#"<incomingServer type="imap"><hostname>{}</hostname><port>993</port><socketType>SSL</socketType></incomingServer>"#,
            "a".repeat(100_000)
        )),
        config(r#"<incomingServer type="imap"><hostname><![CDATA[x]]>.example.com</hostname></incomingServer>"#),
    ];
    for body in &cases {
        let found = parse(body, EMAIL, DOMAIN);
        let imap = found.and_then(|f| f.imap);
        assert_eq!(imap, None, "{}", &body[..body.len().min(200)]);
    }
}

#[test]
fn servers_outside_email_provider_are_ignored() {
    let body = r#"<clientConfig><incomingServer type="imap"><hostname>imap.example.com</hostname><port>993</port><socketType>SSL</socketType></incomingServer></clientConfig>"#;
    assert_eq!(parse(body, EMAIL, DOMAIN).unwrap().imap, None);
}
