use super::*;
use crate::sync::parse::Person;

const SENT: i64 = 2;
const INBOX: i64 = 1;

fn rules(create: CrmCreate) -> Rules {
    let own = [
        "sales@example.test".to_owned(),
        "olena@acme.com".to_owned(),
        "boss@gmail.com".to_owned(),
    ];
    Rules {
        workspace_id: 1,
        owner_id: 1,
        own_address: Some("sales@example.test".into()),
        sent_folders: HashSet::from([SENT]),
        create,
        own: Own::from_addresses(&own),
    }
}

fn all() -> CrmCreate {
    CrmCreate {
        leads_from_incoming: true,
        contacts_from_incoming: true,
        leads_from_outgoing: true,
        contacts_from_outgoing: true,
    }
}

fn person(name: &str, address: &str) -> Person {
    Person {
        name: name.into(),
        address: address.into(),
    }
}

fn mail(id: i64, folder: i64, from: Person, to: Vec<Person>) -> Seen {
    Seen {
        id,
        folder_id: folder,
        from_name: from.name,
        from_address: from.address,
        to_list: People(to),
        cc_list: People::default(),
        reply_to: People::default(),
        automated: false,
    }
}

fn me() -> Person {
    person("Sales", "sales@example.test")
}

#[test]
fn direction_by_folder_or_own_address() {
    let r = rules(all());
    let taras = person("Taras", "taras@globex.example");
    assert_eq!(
        r.direction(&mail(1, INBOX, taras.clone(), vec![me()])),
        Direction::Incoming
    );
    assert_eq!(
        r.direction(&mail(2, SENT, taras.clone(), vec![me()])),
        Direction::Outgoing
    );
    assert_eq!(
        r.direction(&mail(
            3,
            INBOX,
            person("", "Sales@Example.test"),
            vec![taras]
        )),
        Direction::Outgoing
    );
}

#[test]
fn participants_leave_out_the_workspace() {
    let r = rules(all());
    let mut m = mail(
        1,
        INBOX,
        person("Taras", "Taras@Globex.example"),
        vec![
            me(),
            person("Olena", "olena@acme.com"),
            person("", "ann@initech.example"),
        ],
    );
    m.reply_to = People(vec![person("", "desk@globex.example")]);
    let p: Vec<String> = r.participants(&m).into_iter().collect();
    assert_eq!(
        p,
        [
            "ann@initech.example",
            "desk@globex.example",
            "taras@globex.example"
        ]
    );
}

#[test]
fn unknown_sender_of_incoming_mail_gets_records_once() {
    let r = rules(all());
    let taras = person("Taras Shevchuk", "taras@globex.example");
    let ten: Vec<Seen> = (1..=10)
        .map(|i| mail(i, INBOX, taras.clone(), vec![me()]))
        .collect();
    let plan = r.plan(&ten, &Known::default());
    assert_eq!(
        plan,
        [Creation {
            address: "taras@globex.example".into(),
            name: "Taras Shevchuk".into(),
            contact: true,
            lead: true,
            company: Some("globex.example".into()),
        }]
    );
    let records = plan[0].records();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].name, "Globex");
}

#[test]
fn known_people_and_companies_are_not_made_again() {
    let r = rules(all());
    let taras = person("Taras", "taras@globex.example");
    let ann = person("", "ann@globex.example");
    let known = Known {
        contacts: HashMap::from([("taras@globex.example".into(), 7)]),
        companies: HashMap::from([("globex.example".into(), 3)]),
        leads: HashMap::from([("ann@globex.example".into(), 9)]),
        ..Known::default()
    };
    let plan = r.plan(
        &[
            mail(1, INBOX, taras, vec![me()]),
            mail(2, INBOX, ann, vec![me()]),
        ],
        &known,
    );
    assert_eq!(
        plan,
        [Creation {
            address: "ann@globex.example".into(),
            name: "ann@globex.example".into(),
            contact: true,
            lead: false,
            company: None,
        }]
    );
}

#[test]
fn each_rule_for_its_direction() {
    let taras = person("Taras", "taras@globex.example");
    let ann = person("Ann", "ann@initech.example");
    let incoming = mail(1, INBOX, taras.clone(), vec![me()]);
    let outgoing = mail(2, SENT, me(), vec![ann.clone()]);
    let both = [incoming, outgoing];
    let only = |create: CrmCreate| -> Vec<(String, bool, bool)> {
        rules(create)
            .plan(&both, &Known::default())
            .into_iter()
            .map(|c| (c.address, c.contact, c.lead))
            .collect()
    };
    let none = CrmCreate::default();
    assert!(only(none).is_empty());
    let t = "taras@globex.example".to_owned();
    let a = "ann@initech.example".to_owned();
    assert_eq!(
        only(CrmCreate {
            leads_from_incoming: true,
            ..none
        }),
        [(t.clone(), false, true)]
    );
    assert_eq!(
        only(CrmCreate {
            contacts_from_incoming: true,
            ..none
        }),
        [(t, true, false)]
    );
    assert_eq!(
        only(CrmCreate {
            leads_from_outgoing: true,
            ..none
        }),
        [(a.clone(), false, true)]
    );
    assert_eq!(
        only(CrmCreate {
            contacts_from_outgoing: true,
            ..none
        }),
        [(a, true, false)]
    );
}

#[test]
fn exclusions() {
    let r = rules(all());
    let mut list = mail(
        1,
        INBOX,
        person("Globex news", "news@globex.example"),
        vec![me()],
    );
    list.automated = true;
    let noreply = mail(
        2,
        INBOX,
        person("Shop", "no-reply@shop.example"),
        vec![me()],
    );
    let member = mail(3, INBOX, person("Olena", "olena@acme.com"), vec![me()]);
    let own_domain = mail(4, INBOX, person("Petro", "petro@acme.com"), vec![me()]);
    let free = mail(5, INBOX, person("Ivan", "ivan@gmail.com"), vec![me()]);
    let plan = r.plan(
        &[list, noreply, member, own_domain, free],
        &Known::default(),
    );
    assert_eq!(
        plan,
        [Creation {
            address: "ivan@gmail.com".into(),
            name: "Ivan".into(),
            contact: true,
            lead: true,
            company: None,
        }],
        "a free-mail sender is a contact, never a company"
    );
}

#[test]
fn links_by_address_domain_and_deals() {
    let r = rules(all());
    let known = Known {
        contacts: HashMap::from([("taras@globex.example".into(), 7)]),
        contact_company: HashMap::from([(7, 4)]),
        companies: HashMap::from([("initech.example".into(), 3), ("gmail.com".into(), 99)]),
        leads: HashMap::from([("ann@initech.example".into(), 9)]),
        deals: vec![
            (CrmKind::Deal, 11, Some(7), None),
            (CrmKind::Deal, 12, None, Some(3)),
            (CrmKind::Deal, 13, None, Some(5)),
        ],
    };
    let p = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    assert_eq!(
        known.links(&r, &p(&["taras@globex.example"])),
        BTreeSet::from([
            (CrmKind::Contact, 7),
            (CrmKind::Company, 4),
            (CrmKind::Deal, 11)
        ])
    );
    assert_eq!(
        known.links(&r, &p(&["ann@initech.example", "bob@initech.example"])),
        BTreeSet::from([
            (CrmKind::Company, 3),
            (CrmKind::Lead, 9),
            (CrmKind::Deal, 12)
        ])
    );
    assert!(
        known.links(&r, &p(&["someone@gmail.com"])).is_empty(),
        "free mail never links to a company by domain"
    );
}
