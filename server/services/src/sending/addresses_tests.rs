use super::*;

/// (display name, address) of each parsed mailbox.
fn parsed(input: &str) -> Result<Vec<(Option<String>, String)>, String> {
    parse_list(input).map(|list| {
        list.into_iter()
            .map(|m| (m.name, m.email.to_string()))
            .collect()
    })
}

fn named(name: &str, address: &str) -> (Option<String>, String) {
    (Some(name.to_owned()), address.to_owned())
}

fn bare(address: &str) -> (Option<String>, String) {
    (None, address.to_owned())
}

#[test]
fn the_forms_people_type() {
    assert_eq!(
        parsed(r#"a@b.c, Name <d@e.f>; "Last, First" <g@h.i>,<j@k.l>"#),
        Ok(vec![
            bare("a@b.c"),
            named("Name", "d@e.f"),
            named("Last, First", "g@h.i"),
            bare("j@k.l"),
        ])
    );
}

#[test]
fn cyrillic_names_and_whitespace() {
    assert_eq!(
        parsed("  Олена Петренко <olena@example.com> ;\n\t Ім'я <x@example.com>  "),
        Ok(vec![
            named("Олена Петренко", "olena@example.com"),
            named("Ім'я", "x@example.com"),
        ])
    );
}

#[test]
fn internationalized_domain() {
    assert_eq!(
        parsed("Олена <olena@приклад.укр>"),
        Ok(vec![named("Олена", "olena@приклад.укр")])
    );
}

#[test]
fn empty_items_are_skipped() {
    assert_eq!(parsed(""), Ok(vec![]));
    assert_eq!(parsed(" , ;; ,"), Ok(vec![]));
    assert_eq!(
        parsed("a@b.c,,d@e.f,"),
        Ok(vec![bare("a@b.c"), bare("d@e.f")])
    );
    assert_eq!(parsed(r#""" <a@b.c>"#), Ok(vec![bare("a@b.c")]));
}

#[test]
fn separators_inside_quotes_and_brackets_do_not_split() {
    assert_eq!(
        parsed(r#""a; b, \"c\"" <x@y.z>, w@v.u"#),
        Ok(vec![named(r#"a; b, "c""#, "x@y.z"), bare("w@v.u")])
    );
    // A comma inside angle brackets is one (bad) item, not two.
    assert_eq!(
        parsed("Name <a@b.c, d@e.f>"),
        Err("Name <a@b.c, d@e.f>".into())
    );
}

#[test]
fn the_first_bad_item_is_returned_as_typed() {
    assert_eq!(
        parsed("a@b.c,  not an address , also bad"),
        Err("not an address".into())
    );
    assert_eq!(parsed("Olena"), Err("Olena".into()));
    assert_eq!(parsed("a@b.c garbage"), Err("a@b.c garbage".into()));
    assert_eq!(parsed("<a@b.c"), Err("<a@b.c".into()));
    assert_eq!(parsed("a@b..c"), Err("a@b..c".into()));
    // An unquoted comma in a name splits it: the half without an address is the error.
    assert_eq!(parsed("Last, First <a@b.c>"), Err("Last".into()));
}

#[test]
fn header_injection_is_not_an_address() {
    assert!(parsed("a@b.c\r\nBcc: evil@x.y").is_err());
    assert!(parsed("\"x\r\nBcc: evil@x.y\" <a@b.c>").is_err());
}

#[test]
fn many_recipients_are_all_returned() {
    let list: Vec<String> = (0..MAX_RECIPIENTS + 5)
        .map(|i| format!("user{i}@example.com"))
        .collect();
    assert_eq!(
        parse_list(&list.join(", ")).map(|l| l.len()),
        Ok(MAX_RECIPIENTS + 5)
    );
}

#[test]
fn over_long_input_is_refused() {
    let long = "a@b.c, ".repeat(3000);
    let err = parse_list(&long).unwrap_err();
    assert!(err.starts_with("a@b.c, a@b.c"), "{err}");
    assert!(err.chars().count() < 50);
    // Just below the bound still parses.
    let fits = "a@b.c,".repeat(3333);
    assert_eq!(parse_list(&fits).map(|l| l.len()), Ok(3333));
}

#[test]
fn same_address_ignores_case_and_names() {
    assert!(same_address("Olena@Example.COM", "olena@example.com"));
    assert!(same_address(
        " Олена <OLENA@example.com>",
        "<olena@EXAMPLE.com>"
    ));
    assert!(same_address("ОЛЕНА@приклад.укр", "олена@ПРИКЛАД.укр"));
    assert!(!same_address("olena@example.com", "olena@example.org"));
    assert!(!same_address("", ""));
    assert!(!same_address("Name <a@b.c>", "Name <d@e.f>"));
}
