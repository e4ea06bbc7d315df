//! Mail-like text for the seeded mailbox: a vocabulary of real Ukrainian, Russian and
//! English words (common) and made-up words (a long tail), drawn with a Zipf-like skew
//! as in real text, and people with Latin and Cyrillic names.

/// A small deterministic generator (xorshift64*), so every run seeds the same mailbox.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// `0..n` with P(k) ∝ 1/(k+1): a few words very often, most rarely.
    pub fn zipf(&mut self, n: usize) -> usize {
        let k = ((n as f64 + 1.0).powf(self.unit()) - 1.0) as usize;
        k.min(n.saturating_sub(1))
    }
}

/// Words people write in business mail; searched for by the bench.
pub const COMMON: &[&str] = &[
    "рахунок",
    "оплата",
    "договір",
    "замовлення",
    "доставка",
    "зустріч",
    "звіт",
    "проєкт",
    "ціна",
    "знижка",
    "клієнт",
    "товар",
    "постачання",
    "підпис",
    "акт",
    "накладна",
    "кошторис",
    "графік",
    "відвантаження",
    "склад",
    "бухгалтерія",
    "податок",
    "пропозиція",
    "умови",
    "термін",
    "повернення",
    "гарантія",
    "сервіс",
    "менеджер",
    "директор",
    "счёт",
    "оплату",
    "договор",
    "заказ",
    "встреча",
    "отчёт",
    "цена",
    "скидка",
    "поставка",
    "подпись",
    "invoice",
    "payment",
    "contract",
    "order",
    "delivery",
    "meeting",
    "report",
    "project",
    "price",
    "discount",
    "customer",
    "shipment",
    "signature",
    "warehouse",
    "accounting",
    "proposal",
    "terms",
    "deadline",
    "refund",
    "warranty",
    "support",
    "manager",
    "budget",
    "quarter",
    "schedule",
    "approval",
    "receipt",
    "balance",
    "transfer",
    "reminder",
];

/// Glue words: the most frequent, not searched for.
const GLUE: &[&str] = &[
    "і",
    "в",
    "на",
    "з",
    "до",
    "що",
    "та",
    "не",
    "по",
    "за",
    "и",
    "в",
    "на",
    "the",
    "and",
    "to",
    "of",
    "for",
    "in",
    "is",
    "please",
    "we",
    "you",
    "це",
    "ми",
    "ви",
    "дякую",
    "thanks",
];

const LATIN_SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "po", "ru", "sa", "te", "vi", "zo", "ar", "en", "tor", "mex", "dal",
];
const CYRILLIC_SYLLABLES: &[&str] = &[
    "ра", "хун", "ок", "ли", "ст", "ва", "ні", "ко", "да", "ту", "че", "жи", "мор", "пле", "дан",
];

const FIRST: &[&str] = &[
    "Olena",
    "Taras",
    "Anna",
    "John",
    "Maria",
    "Petro",
    "Iryna",
    "David",
    "Sofia",
    "Andrii",
    "Олена",
    "Тарас",
    "Ганна",
    "Марія",
    "Петро",
    "Ірина",
    "Андрій",
    "Наталія",
    "Сергій",
    "Оксана",
];
const LAST: &[&str] = &[
    "Kovalenko",
    "Shevchenko",
    "Smith",
    "Bondar",
    "Tkachenko",
    "Miller",
    "Melnyk",
    "Brown",
    "Коваленко",
    "Шевченко",
    "Бондар",
    "Ткаченко",
    "Мельник",
    "Кравчук",
    "Олійник",
    "Лисенко",
];
const DOMAINS: &[&str] = &[
    "acme.com",
    "ukrpost.ua",
    "example.org",
    "torg.com.ua",
    "supply.net",
    "bank.ua",
];

/// The bench's vocabulary: common words first, then the made-up tail.
pub struct Vocabulary {
    pub words: Vec<String>,
}

impl Vocabulary {
    /// `tail` made-up words, Latin and Cyrillic alternately, after the common ones.
    pub fn new(tail: usize) -> Vocabulary {
        let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
        let mut words: Vec<String> = COMMON.iter().map(|w| (*w).to_owned()).collect();
        for i in 0..tail {
            let syllables = if i % 2 == 0 {
                LATIN_SYLLABLES
            } else {
                CYRILLIC_SYLLABLES
            };
            let len = 2 + rng.below(3);
            words.push(
                (0..len)
                    .map(|_| syllables[rng.below(syllables.len())])
                    .collect(),
            );
        }
        Vocabulary { words }
    }

    /// `n` words of running text (glue words among them).
    pub fn sentence(&self, rng: &mut Rng, n: usize) -> String {
        let mut out = String::new();
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            if rng.chance(0.35) {
                out.push_str(GLUE[rng.below(GLUE.len())]);
            } else {
                out.push_str(&self.words[rng.zipf(self.words.len())]);
            }
        }
        out
    }

    /// A body of `words` words in lines of about 12, sentence-cased, with a greeting.
    pub fn body(&self, rng: &mut Rng, words: usize) -> String {
        let mut out = String::from(if rng.chance(0.5) {
            "Добрий день!\n\n"
        } else {
            "Hello,\n\n"
        });
        let mut left = words;
        while left > 0 {
            let n = left.min(8 + rng.below(9));
            let line = self.sentence(rng, n);
            let mut chars = line.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
            out.push_str(".\n");
            left -= n;
        }
        out
    }
}

/// A person: display name and address (about 2,000 distinct senders).
pub fn person(rng: &mut Rng) -> (String, String) {
    let first = FIRST[rng.below(FIRST.len())];
    let last = LAST[rng.below(LAST.len())];
    let n = rng.below(7);
    let domain = DOMAINS[rng.below(DOMAINS.len())];
    let local = format!("{}.{}{n}", translit(first), translit(last)).to_lowercase();
    (format!("{first} {last}"), format!("{local}@{domain}"))
}

/// Cyrillic letters of the names above in Latin, for addresses.
fn translit(name: &str) -> String {
    name.chars()
        .map(|c| {
            match c.to_lowercase().next().unwrap_or(c) {
                'а' => "a",
                'б' => "b",
                'в' => "v",
                'г' => "h",
                'д' => "d",
                'е' => "e",
                'є' => "ie",
                'ж' => "zh",
                'и' => "y",
                'і' => "i",
                'ї' => "i",
                'й' => "i",
                'к' => "k",
                'л' => "l",
                'м' => "m",
                'н' => "n",
                'о' => "o",
                'п' => "p",
                'р' => "r",
                'с' => "s",
                'т' => "t",
                'у' => "u",
                'ф' => "f",
                'х' => "kh",
                'ц' => "ts",
                'ч' => "ch",
                'ш' => "sh",
                'щ' => "shch",
                'ю' => "iu",
                'я' => "ia",
                _ if c.is_ascii_alphanumeric() => return c.to_string(),
                _ => "",
            }
            .to_owned()
        })
        .collect()
}
