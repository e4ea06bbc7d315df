//! The decisions of the automatic rules, free of storage: which way a message went, whom
//! it is linked by, and which records the mailbox's creation rules make from it. The run
//! (`link_pending`) and the preview share these, so the preview is what the run makes.

use crate::crm::{
    addresses::{Own, company_name, domain_of, is_free_mail, normalize},
    machine::is_noreply_address,
};
use crate::entities::message::People;
use domain::{CrmCreate, CrmKind, Direction, PlannedRecord};
use sea_orm::FromQueryResult;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What the rules read of a message.
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct Seen {
    pub id: i64,
    pub folder_id: i64,
    pub from_name: String,
    pub from_address: String,
    pub to_list: People,
    pub cc_list: People,
    pub reply_to: People,
    pub automated: bool,
}

/// One mailbox's rules and who counts as the workspace itself.
#[derive(Clone, Debug)]
pub(crate) struct Rules {
    pub workspace_id: i64,
    pub owner_id: i64,
    /// The mailbox's own address, normalised.
    pub own_address: Option<String>,
    /// Folders whose mail went out (the Sent folder).
    pub sent_folders: HashSet<i64>,
    pub create: CrmCreate,
    pub own: Own,
}

impl Rules {
    /// Outgoing when filed in Sent or sent from the mailbox's own address.
    pub fn direction(&self, m: &Seen) -> Direction {
        crate::crm::direction(
            self.sent_folders.contains(&m.folder_id),
            &m.from_address,
            self.own_address.as_deref().unwrap_or_default(),
        )
    }

    /// Not the workspace itself: neither the mailbox nor a member nor a connected mailbox.
    fn outsider(&self, address: &str) -> bool {
        self.own_address.as_deref() != Some(address) && !self.own.is_person(address)
    }

    /// Addresses a message is linked by: From, To, Cc and Reply-To, outsiders only.
    pub fn participants(&self, m: &Seen) -> BTreeSet<String> {
        std::iter::once(m.from_address.as_str())
            .chain(people(&m.to_list))
            .chain(people(&m.cc_list))
            .chain(people(&m.reply_to))
            .filter_map(normalize)
            .filter(|a| self.outsider(a))
            .collect()
    }

    /// A domain that links to a company: neither free mail nor the workspace's own.
    pub fn company_domain<'a>(&self, address: &'a str) -> Option<&'a str> {
        let domain = domain_of(address);
        (!domain.is_empty() && !is_free_mail(domain) && !self.own.is_domain(domain))
            .then_some(domain)
    }

    /// Who creation looks at, with the name the message gives them: the sender (From,
    /// Reply-To) of incoming mail, the recipients (To, Cc) of outgoing mail; never from
    /// machine mail, the workspace's own people and domains, or no-reply addresses.
    fn candidates(&self, m: &Seen, direction: Direction) -> Vec<(String, String)> {
        if m.automated {
            return Vec::new();
        }
        let named: Vec<(&str, &str)> = match direction {
            Direction::Incoming => std::iter::once((m.from_address.as_str(), m.from_name.as_str()))
                .chain(
                    m.reply_to
                        .0
                        .iter()
                        .map(|p| (p.address.as_str(), p.name.as_str())),
                )
                .collect(),
            Direction::Outgoing => m
                .to_list
                .0
                .iter()
                .chain(&m.cc_list.0)
                .map(|p| (p.address.as_str(), p.name.as_str()))
                .collect(),
        };
        named
            .into_iter()
            .filter_map(|(address, name)| Some((normalize(address)?, name)))
            .filter(|(a, _)| {
                self.outsider(a) && !self.own.is_domain(domain_of(a)) && !is_noreply_address(a)
            })
            .map(|(a, name)| {
                let name = display_name(name, &a);
                (a, name)
            })
            .collect()
    }

    /// What the creation rules make from `messages` (in this order: the first message
    /// naming an address names its records), given what already exists.
    pub fn plan(&self, messages: &[Seen], known: &Known) -> Vec<Creation> {
        let mut planned: BTreeMap<String, Creation> = BTreeMap::new();
        let mut new_companies: HashSet<String> = HashSet::new();
        for m in messages {
            let direction = self.direction(m);
            let (leads, contacts) = match direction {
                Direction::Incoming => (
                    self.create.leads_from_incoming,
                    self.create.contacts_from_incoming,
                ),
                Direction::Outgoing => (
                    self.create.leads_from_outgoing,
                    self.create.contacts_from_outgoing,
                ),
            };
            if !leads && !contacts {
                continue;
            }
            for (address, name) in self.candidates(m, direction) {
                if known.contacts.contains_key(&address) {
                    continue;
                }
                let lead = leads && !known.leads.contains_key(&address);
                let entry = planned.entry(address.clone()).or_insert_with(|| Creation {
                    address: address.clone(),
                    name,
                    contact: false,
                    lead: false,
                    company: None,
                });
                entry.lead |= lead;
                if contacts && !entry.contact {
                    entry.contact = true;
                    let domain = self.company_domain(&address).map(str::to_owned);
                    if let Some(domain) = domain
                        && !known.companies.contains_key(&domain)
                        && new_companies.insert(domain.clone())
                    {
                        entry.company = Some(domain);
                    }
                }
            }
        }
        planned
            .into_values()
            .filter(|c| c.contact || c.lead)
            .collect()
    }
}

fn people(list: &People) -> impl Iterator<Item = &str> {
    list.0.iter().map(|p| p.address.as_str())
}

/// A person's name for a new record: their display name, else the address.
fn display_name(name: &str, address: &str) -> String {
    match name.trim() {
        "" => address.to_owned(),
        name => name.chars().take(200).collect(),
    }
}

/// Records that exist, for the addresses and domains of a batch.
#[derive(Clone, Debug, Default)]
pub(crate) struct Known {
    /// Address → contact.
    pub contacts: HashMap<String, i64>,
    /// Contact → its company.
    pub contact_company: HashMap<i64, i64>,
    /// Domain → company.
    pub companies: HashMap<String, i64>,
    /// Address → the lead made from it.
    pub leads: HashMap<String, i64>,
    /// Leads and deals: (kind, id, contact, company).
    pub deals: Vec<(CrmKind, i64, Option<i64>, Option<i64>)>,
}

impl Known {
    /// The records a message is linked to, by its participants: each one's contact, the
    /// contact's company and the company of the address's domain, the leads and deals of
    /// those, and the lead made from the address.
    pub fn links(
        &self,
        rules: &Rules,
        participants: &BTreeSet<String>,
    ) -> BTreeSet<(CrmKind, i64)> {
        let mut links = BTreeSet::new();
        let mut contacts = HashSet::new();
        let mut companies = HashSet::new();
        for address in participants {
            if let Some(&contact) = self.contacts.get(address) {
                contacts.insert(contact);
                if let Some(&company) = self.contact_company.get(&contact) {
                    companies.insert(company);
                }
            }
            if let Some(domain) = rules.company_domain(address)
                && let Some(&company) = self.companies.get(domain)
            {
                companies.insert(company);
            }
            if let Some(&lead) = self.leads.get(address) {
                links.insert((CrmKind::Lead, lead));
            }
        }
        for &(kind, id, contact, company) in &self.deals {
            if contact.is_some_and(|c| contacts.contains(&c))
                || company.is_some_and(|c| companies.contains(&c))
            {
                links.insert((kind, id));
            }
        }
        links.extend(contacts.into_iter().map(|c| (CrmKind::Contact, c)));
        links.extend(companies.into_iter().map(|c| (CrmKind::Company, c)));
        links
    }
}

/// Records to make for one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Creation {
    pub address: String,
    pub name: String,
    pub contact: bool,
    pub lead: bool,
    /// A company to make from the address's domain (none has it yet).
    pub company: Option<String>,
}

impl Creation {
    /// As the preview lists them.
    pub fn records(&self) -> Vec<PlannedRecord> {
        let mut out = Vec::new();
        if let Some(domain) = &self.company {
            out.push(PlannedRecord {
                kind: CrmKind::Company,
                email: domain.clone(),
                name: company_name(domain),
            });
        }
        for (made, kind) in [(self.contact, CrmKind::Contact), (self.lead, CrmKind::Lead)] {
            if made {
                out.push(PlannedRecord {
                    kind,
                    email: self.address.clone(),
                    name: self.name.clone(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
#[path = "auto_rules_tests.rs"]
mod tests;
