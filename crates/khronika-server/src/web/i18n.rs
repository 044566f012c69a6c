//! English and Russian: the words of every page, and dates and numbers for each language.
//!
//! The language is chosen per person (a cookie set from the language switch, else the
//! browser's `Accept-Language`), never from vault data.

use axum::http::HeaderMap;

/// A language the pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Russian.
    Ru,
}

impl Lang {
    /// The language code (`en`, `ru`), for `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    /// Parse a language code.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().get(..2)? {
            "en" => Some(Lang::En),
            "ru" => Some(Lang::Ru),
            _ => None,
        }
    }

    /// The language of a request: the `lang` cookie, else the first language of
    /// `Accept-Language` we speak, else English.
    pub fn of(headers: &HeaderMap) -> Lang {
        if let Some(l) = super::guard::cookie(headers, super::guard::LANG_COOKIE)
            .as_deref()
            .and_then(Lang::parse)
        {
            return l;
        }
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(',')
                    .find_map(|part| Lang::parse(part.split(';').next()?))
            })
            .unwrap_or(Lang::En)
    }
}

/// The words of the pages in one language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
}

impl Tr {
    /// The text for `key`; a key missing from the catalogue shows as itself (a test makes
    /// sure none is).
    pub fn s(&self, key: &str) -> &'static str {
        let table = match self.lang {
            Lang::En => EN,
            Lang::Ru => RU,
        };
        match table.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => table[i].1,
            Err(_) => lookup_any(key),
        }
    }

    /// The text for `key`, or `None` when neither catalogue has it.
    pub fn get(&self, key: &str) -> Option<&'static str> {
        Some(self.s(key)).filter(|s| *s != "?")
    }

    /// A count with digit grouping: `12,345` in English, `12 345` (narrow no-break space) in
    /// Russian.
    pub fn number(&self, n: u64) -> String {
        let sep = match self.lang {
            Lang::En => ",",
            Lang::Ru => "\u{202f}",
        };
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    }

    /// A moment (ms since 1970, UTC) as a date and time: `23 Nov 2026, 14:05 UTC` or
    /// `23 ноября 2026 г., 14:05 UTC`.
    pub fn datetime(&self, ms: i64) -> String {
        let (y, m, d, hh, mm) = civil(ms);
        let month = match self.lang {
            Lang::En => MONTHS_EN[(m - 1) as usize],
            Lang::Ru => MONTHS_RU_GEN[(m - 1) as usize],
        };
        match self.lang {
            Lang::En => format!("{d} {month} {y}, {hh:02}:{mm:02} UTC"),
            Lang::Ru => format!("{d} {month} {y}\u{a0}г., {hh:02}:{mm:02} UTC"),
        }
    }
}

/// A key missing from one language falls back to the other's text, then to the key.
fn lookup_any(key: &str) -> &'static str {
    for table in [EN, RU] {
        if let Ok(i) = table.binary_search_by(|(k, _)| k.cmp(&key)) {
            return table[i].1;
        }
    }
    "?"
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_RU_GEN: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

/// Year, month, day, hour, minute of a UTC moment (ms since 1970).
fn civil(ms: i64) -> (i64, u32, u32, u32, u32) {
    let secs = ms.div_euclid(1000);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = khronika_app::time::civil_from_days(secs.div_euclid(86_400));
    (y, m, d, (rem / 3600) as u32, ((rem % 3600) / 60) as u32)
}

/// English, sorted by key.
pub const EN: &[(&str, &str)] = &[
    ("acknowledged", "acknowledged"),
    ("admin.add", "Add a member"),
    (
        "admin.added",
        "Added. Give the new member their code and first passphrase in person:",
    ),
    ("admin.compartments", "Compartments and access"),
    (
        "admin.first_passphrase",
        "A first passphrase (at least 12 characters), to hand over in person",
    ),
    (
        "admin.grant",
        "grant (they can read everything in it, old records included)",
    ),
    ("admin.grants", "Grant or withdraw access"),
    ("admin.holders", "Who can read it"),
    ("admin.member", "Member"),
    ("admin.members", "Members"),
    ("admin.new_compartment", "New compartment"),
    ("admin.remove", "Remove"),
    ("admin.removed", "removed"),
    ("admin.role", "Role"),
    ("admin.sources", "identities of sources"),
    (
        "admin.withdraw",
        "withdraw (new records get a new key they do not hold)",
    ),
    ("app.name", "Khronika"),
    ("appealed", "appealed"),
    ("carried_out", "carried it out"),
    ("case.events", "Timeline of events"),
    ("case.gathered", "Records in this case"),
    ("case.interventions", "Interventions"),
    ("case.links", "Links"),
    ("case.missing", "Named here but not readable on this node"),
    ("case.new", "New case"),
    ("case.persons", "Persons"),
    ("case.summary", "Summary"),
    ("case.title", "Title"),
    ("case.units", "Units and organisations"),
    ("cases.empty", "No cases yet."),
    ("cases.filter", "Filter"),
    ("cases.title", "Cases"),
    ("closed", "closed"),
    ("common.compartment", "Compartment"),
    ("common.conflicts", "Fields in conflict"),
    ("common.edit", "Edit"),
    ("common.history", "History"),
    ("common.id", "Id"),
    ("common.notes", "Notes"),
    ("common.revisions", "Revisions"),
    ("common.save", "Save"),
    ("common.type", "Type"),
    ("common.updated", "Last change"),
    ("custody.added", "added by"),
    (
        "custody.checkpoint",
        "covered by the signed checkpoint of size",
    ),
    ("custody.device", "device"),
    ("custody.logged", "recorded in the signed log of device"),
    ("custody.position", "entry"),
    ("custody.title", "Chain of custody"),
    (
        "custody.verify",
        "Anyone can check this without a key: `khronika prove` exports the inclusion proof, and the SHA-256 above identifies the exact bytes.",
    ),
    ("dash.conflicts", "Conflicts to resolve"),
    ("dash.counts", "Records you can read"),
    ("dash.due", "Interventions due soon"),
    ("dash.none", "Nothing here."),
    ("dash.recent", "Recent activity"),
    ("dash.sync", "Mirrors"),
    ("dash.sync.behind", "log entries behind"),
    (
        "dash.sync.every",
        "While a member is logged in, the mirrors are sent what they lack every",
    ),
    ("dash.sync.last", "last run"),
    ("dash.sync.never", "never"),
    (
        "dash.sync.none",
        "No mirror is configured: a seized or burned device would take everything with it. Add one with `khronika mirror add`.",
    ),
    (
        "dash.sync.off",
        "Background sync is off (`--sync-seconds 0`): run `khronika sync`.",
    ),
    ("dash.sync.pending", "object(s) pending"),
    ("dash.sync.safe", "Safe on"),
    ("dash.sync.success", "last success:"),
    ("dash.title", "Overview"),
    ("decided", "decided"),
    ("drafted", "drafted"),
    (
        "edit.conflict",
        "Two versions of this field were saved at the same time on different devices. Put the right value in the field, or tick the box to keep the value shown:",
    ),
    ("edit.json", "structured: JSON, as shown"),
    (
        "edit.meanwhile",
        "Someone changed this record while you were editing it. Nothing was saved. The form now shows the current values; your own values are shown under the fields you changed. Make your changes again and save.",
    ),
    ("edit.resolve", "The value shown is the right one"),
    ("edit.title", "Edit"),
    ("edit.yours", "Your value, not saved"),
    ("error.back", "Go back"),
    ("error.title", "Something needs your attention"),
    ("event.act", "What was done, and to whom"),
    ("event.date", "Date"),
    (
        "event.date.help",
        "As precise as known: a day, a month, a year, a range (2014..2015), or \"around 2017-04\".",
    ),
    ("event.given", "Given name"),
    ("event.new", "Add an event"),
    ("event.new_person", "— a new person (names below) —"),
    ("event.new_unit", "— a new unit (name below) —"),
    ("event.perpetrator", "Who did it"),
    ("event.place", "Place"),
    ("event.role", "Role"),
    ("event.surname", "Surname"),
    ("event.title", "Title"),
    ("event.unit_name", "Unit or organisation"),
    ("event.victim", "Victim"),
    ("evidence.added", "Added"),
    ("evidence.download", "Download"),
    ("evidence.file", "Files"),
    ("evidence.name", "File"),
    ("evidence.size", "Size (bytes)"),
    ("evidence.title", "Evidence"),
    ("evidence.upload", "Add files"),
    (
        "evidence.upload.help",
        "Files are encrypted and stored as they are; archives are never unpacked. The largest file accepted",
    ),
    ("failed_to_act", "failed to act"),
    ("field.acts", "Acts"),
    ("field.addressee", "Addressee"),
    ("field.birth_year", "Year of birth"),
    ("field.compartment", "Compartment"),
    ("field.concerns", "Concerns"),
    ("field.consent", "Consent"),
    ("field.date", "Date"),
    ("field.deadline", "Deadline"),
    ("field.description", "Description"),
    ("field.evidence", "Evidence files"),
    ("field.filed", "Filed on"),
    ("field.filed_by", "Filed by"),
    ("field.from", "From"),
    ("field.given_by", "Given by"),
    ("field.interview", "Interview"),
    ("field.involvements", "Who was involved"),
    ("field.kind", "Kind"),
    ("field.language", "Language"),
    ("field.memberships", "Units served in"),
    ("field.names", "Names"),
    ("field.next_step", "Next step"),
    ("field.note", "Note"),
    ("field.notes", "Notes"),
    ("field.parent", "Part of"),
    ("field.place", "Place"),
    ("field.provider", "Provided by"),
    ("field.pseudonym", "Code instead of a name"),
    ("field.records", "Records in this case"),
    ("field.reference", "Reference number"),
    ("field.relation", "How the source knows"),
    ("field.reliability", "Reliability"),
    ("field.reply", "Reply"),
    ("field.responsible", "Responsible"),
    ("field.sex", "Sex"),
    ("field.source_type", "Type of source"),
    ("field.status", "Status"),
    ("field.summary", "Summary"),
    ("field.title", "Title"),
    ("field.to", "To"),
    ("field.transcript", "Transcript"),
    ("field.unit_type", "Type of unit"),
    ("filed", "filed"),
    ("high", "high"),
    ("history.field", "Field"),
    ("history.title", "History"),
    ("history.value", "Value"),
    ("history.when", "When"),
    ("intervention.addressee", "Addressed to"),
    ("intervention.deadline", "Deadline for a reply"),
    ("intervention.filed", "Date filed"),
    ("intervention.new", "Add an intervention"),
    ("intervention.next_step", "Next step"),
    ("intervention.reference", "Reference number"),
    ("intervention.status", "Status"),
    ("link.contradicts", "contradicts"),
    ("link.follows", "follows"),
    ("link.from", "This record"),
    ("link.kind", "How they are related"),
    ("link.new", "Link two records"),
    ("link.part_of", "part of"),
    ("link.related_to", "related to"),
    ("link.same_person_as", "same person as"),
    ("link.supports", "supports"),
    ("link.to", "That record"),
    ("login.code", "Member code"),
    (
        "login.code.help",
        "The 8 characters you were given with your account (e.g. 09def126).",
    ),
    ("login.passphrase", "Passphrase"),
    ("login.submit", "Log in"),
    ("login.title", "Log in"),
    ("low", "low"),
    ("medium", "medium"),
    ("nav.admin", "Members"),
    ("nav.cases", "Cases"),
    ("nav.compartments", "Access"),
    ("nav.evidence", "Evidence"),
    ("nav.home", "Overview"),
    ("nav.language", "Русский"),
    ("nav.logout", "Log out"),
    ("nav.panic", "Panic"),
    ("nav.persons", "Persons"),
    ("nav.quarantine", "Quarantine"),
    ("nav.records", "All records"),
    ("nav.search", "Search"),
    ("nav.tokens", "Tokens"),
    ("nav.units", "Units"),
    ("ordered", "ordered it"),
    ("panic.confirm", "Erase all keys on this node now"),
    (
        "panic.done",
        "The keys on this node are erased and every session has ended. Restore from a mirror on a safe device.",
    ),
    (
        "panic.explain",
        "If this device is about to be seized: erase every key on it now. Everything stored here stays encrypted and nobody can open it on this device, you included. The data is safe on the mirrors and comes back only with a restore (the recovery key, or a passphrase and a mirror). This cannot be undone.",
    ),
    ("panic.title", "Erase this node's keys"),
    ("person.birth_year", "Year of birth"),
    ("person.given", "Given name"),
    ("person.membership", "Member of a unit or organisation"),
    ("person.new", "Add a person"),
    ("person.patronymic", "Patronymic"),
    ("person.position", "Position or rank"),
    (
        "person.pseudonym",
        "Code instead of a name (for people who must stay anonymous)",
    ),
    (
        "person.pseudonym.help",
        "Leave the names empty and give only a code if naming the person would endanger them.",
    ),
    ("person.role", "Role in it"),
    ("person.sex", "Sex"),
    ("person.surname", "Surname"),
    ("quarantine.accept", "Accept"),
    ("quarantine.device", "Device"),
    ("quarantine.empty", "Nothing is in quarantine."),
    ("quarantine.entry", "Entry"),
    (
        "quarantine.help",
        "Entries written by a device after it was reported seized. They are kept but not trusted until a coordinator looks at each one: accept what your colleague really wrote; reject what someone else may have written with the seized device. Nothing is deleted either way.",
    ),
    ("quarantine.reject", "Reject"),
    ("quarantine.status", "Standing"),
    ("quarantine.title", "Quarantine"),
    ("record.fields", "Fields"),
    ("records.title", "All records"),
    ("rejected", "rejected"),
    ("role.commander", "commander"),
    ("role.member", "member"),
    ("search.act", "Act type"),
    ("search.compartments", "compartments searched"),
    ("search.found", "Found"),
    ("search.from", "From"),
    ("search.fuzzy", "Also spellings one or two letters off"),
    ("search.place", "Place"),
    ("search.submit", "Search"),
    ("search.title", "Search"),
    ("search.to", "To"),
    ("search.words", "Names, words, \"a phrase\" — in any script"),
    ("setup.code", "Your member code (you log in with it)"),
    ("setup.continue", "I have written it down — continue"),
    ("setup.done", "The vault is ready"),
    (
        "setup.intro",
        "There is no vault here yet. Create it with the setup token that `khronika serve` printed on its console.",
    ),
    ("setup.name", "Your name"),
    (
        "setup.passphrase",
        "A passphrase (at least 12 characters; a few unusual words are good)",
    ),
    (
        "setup.recovery",
        "The recovery key, shown only now. Write it on paper and keep it outside the region: with it and a mirror the vault can be rebuilt if this device is lost.",
    ),
    ("setup.repeat", "The passphrase again"),
    ("setup.submit", "Create the vault"),
    ("setup.title", "First start"),
    ("setup.token", "Setup token"),
    ("source.description", "Description"),
    ("source.evidence", "Evidence file"),
    ("source.new", "Add a source"),
    ("source.provider", "Provider's code (never a real name)"),
    ("source.relation", "How the source knows"),
    ("testimony.court", "May be used in court"),
    ("testimony.date", "Date of the interview"),
    ("testimony.language", "Language"),
    ("testimony.new", "Add a testimony"),
    ("testimony.pseudonym", "Witness code"),
    (
        "testimony.pseudonym.help",
        "A code, never the real name: real identities belong in the source-identities register.",
    ),
    ("testimony.publication", "May be published"),
    ("testimony.reliability", "Reliability"),
    ("testimony.transcript", "Transcript"),
    ("tokens.all", "all yours"),
    (
        "tokens.compartments.help",
        "None ticked: every compartment you can read.",
    ),
    ("tokens.create", "Create the token"),
    (
        "tokens.help",
        "A token lets a script (an import, a dashboard, a field form) use Khronika's JSON API as you, limited to the compartments you choose and to reading unless you allow writing. Every use is logged below. See /api/v1/openapi.json.",
    ),
    ("tokens.new", "New token"),
    ("tokens.none", "You have no tokens."),
    (
        "tokens.once",
        "Your new token, shown this once. Copy it into the script's settings now and keep it like a passphrase: whoever has it can act as you within its scope until you revoke it.",
    ),
    ("tokens.revoke", "Revoke"),
    ("tokens.title", "Tokens for scripts"),
    ("tokens.uses", "Recent uses of your tokens"),
    ("tokens.write", "Writes"),
    (
        "tokens.write.help",
        "May also write (create and change records, add evidence)",
    ),
    ("trust.quarantined", "awaiting review"),
    ("trust.rejected", "rejected"),
    ("trust.trusted", "accepted"),
    ("under_consideration", "under consideration"),
    ("unit.name", "Name"),
    ("unit.new", "Add a unit or organisation"),
    ("unit.parent", "Part of"),
    ("unknown", "unknown"),
    ("was_present", "was present"),
];

/// Russian, sorted by key.
pub const RU: &[(&str, &str)] = &[
    ("acknowledged", "получено адресатом"),
    ("admin.add", "Добавить участника"),
    (
        "admin.added",
        "Добавлен(а). Передайте код и первую парольную фразу лично:",
    ),
    ("admin.compartments", "Разделы и доступ"),
    (
        "admin.first_passphrase",
        "Первая парольная фраза (не короче 12 символов), передаётся лично",
    ),
    (
        "admin.grant",
        "дать (будут видны все записи раздела, включая старые)",
    ),
    ("admin.grants", "Дать или отозвать доступ"),
    ("admin.holders", "Кто может читать"),
    ("admin.member", "Участник"),
    ("admin.members", "Участники"),
    ("admin.new_compartment", "Новый раздел"),
    ("admin.remove", "Удалить"),
    ("admin.removed", "удалён(а)"),
    ("admin.role", "Роль"),
    ("admin.sources", "личности источников"),
    (
        "admin.withdraw",
        "отозвать (новые записи получат новый ключ, которого у них нет)",
    ),
    ("app.name", "Хроника"),
    ("appealed", "обжаловано"),
    ("carried_out", "исполнители"),
    ("case.events", "Хронология событий"),
    ("case.gathered", "Записи дела"),
    ("case.interventions", "Обращения"),
    ("case.links", "Связи"),
    ("case.missing", "Упомянуты, но недоступны на этом узле"),
    ("case.new", "Новое дело"),
    ("case.persons", "Лица"),
    ("case.summary", "Краткое описание"),
    ("case.title", "Название"),
    ("case.units", "Подразделения и организации"),
    ("cases.empty", "Дел пока нет."),
    ("cases.filter", "Отобрать"),
    ("cases.title", "Дела"),
    ("closed", "закрыто"),
    ("common.compartment", "Раздел"),
    ("common.conflicts", "Поля с расхождениями"),
    ("common.edit", "Править"),
    ("common.history", "История"),
    ("common.id", "Идентификатор"),
    ("common.notes", "Заметки"),
    ("common.revisions", "Редакции"),
    ("common.save", "Сохранить"),
    ("common.type", "Тип"),
    ("common.updated", "Последнее изменение"),
    ("custody.added", "добавил(а)"),
    (
        "custody.checkpoint",
        "входит в подписанную контрольную точку размера",
    ),
    ("custody.device", "устройство"),
    ("custody.logged", "записан в подписанный журнал устройства"),
    ("custody.position", "запись"),
    ("custody.title", "Цепочка хранения"),
    (
        "custody.verify",
        "Это может проверить любой без ключа: `khronika prove` выгружает доказательство включения, а SHA-256 выше однозначно определяет содержимое.",
    ),
    ("dash.conflicts", "Расхождения, которые нужно разрешить"),
    ("dash.counts", "Доступные вам записи"),
    ("dash.due", "Скоро истекают сроки по обращениям"),
    ("dash.none", "Пока ничего."),
    ("dash.recent", "Последние изменения"),
    ("dash.sync", "Зеркала"),
    ("dash.sync.behind", "записей журнала не хватает"),
    (
        "dash.sync.every",
        "Пока в системе есть участник, зеркалам отправляется недостающее каждые",
    ),
    ("dash.sync.last", "последний раз"),
    ("dash.sync.never", "ещё не было"),
    (
        "dash.sync.none",
        "Зеркала не настроены: изъятое или сгоревшее устройство унесёт с собой всё. Добавьте зеркало командой `khronika mirror add`.",
    ),
    (
        "dash.sync.off",
        "Фоновая синхронизация выключена (`--sync-seconds 0`): запускайте `khronika sync`.",
    ),
    ("dash.sync.pending", "объект(ов) ждут отправки"),
    ("dash.sync.safe", "Сохранено на"),
    ("dash.sync.success", "последняя удачная синхронизация:"),
    ("dash.title", "Обзор"),
    ("decided", "решение принято"),
    ("drafted", "подготовлено"),
    (
        "edit.conflict",
        "Две версии этого поля сохранены одновременно на разных устройствах. Впишите верное значение или отметьте, что верно показанное:",
    ),
    ("edit.json", "структура: JSON, как показано"),
    (
        "edit.meanwhile",
        "Кто-то изменил эту запись, пока вы её правили. Ничего не сохранено. Форма показывает текущие значения, а ваши — под полями, которые вы меняли. Внесите изменения снова и сохраните.",
    ),
    ("edit.resolve", "Показанное значение верное"),
    ("edit.title", "Правка"),
    ("edit.yours", "Ваше значение, не сохранено"),
    ("error.back", "Назад"),
    ("error.title", "Требуется ваше внимание"),
    ("event.act", "Что было сделано и с кем"),
    ("event.date", "Дата"),
    (
        "event.date.help",
        "С той точностью, что известна: день, месяц, год, период (2014..2015) или «around 2017-04» (около).",
    ),
    ("event.given", "Имя"),
    ("event.new", "Добавить событие"),
    ("event.new_person", "— новое лицо (имя ниже) —"),
    ("event.new_unit", "— новое подразделение (название ниже) —"),
    ("event.perpetrator", "Кто совершил"),
    ("event.place", "Место"),
    ("event.role", "Роль"),
    ("event.surname", "Фамилия"),
    ("event.title", "Название"),
    ("event.unit_name", "Подразделение или организация"),
    ("event.victim", "Пострадавший"),
    ("evidence.added", "Добавлен"),
    ("evidence.download", "Скачать"),
    ("evidence.file", "Файлы"),
    ("evidence.name", "Файл"),
    ("evidence.size", "Размер (байт)"),
    ("evidence.title", "Материалы"),
    ("evidence.upload", "Добавить файлы"),
    (
        "evidence.upload.help",
        "Файлы шифруются и хранятся как есть; архивы не распаковываются. Наибольший допустимый размер",
    ),
    ("failed_to_act", "бездействовали"),
    ("field.acts", "Действия"),
    ("field.addressee", "Адресат"),
    ("field.birth_year", "Год рождения"),
    ("field.compartment", "Раздел"),
    ("field.concerns", "Касается"),
    ("field.consent", "Согласие"),
    ("field.date", "Дата"),
    ("field.deadline", "Срок"),
    ("field.description", "Описание"),
    ("field.evidence", "Файлы доказательств"),
    ("field.filed", "Дата подачи"),
    ("field.filed_by", "Кем подано"),
    ("field.from", "От"),
    ("field.given_by", "Дал показания"),
    ("field.interview", "Интервью"),
    ("field.involvements", "Причастные"),
    ("field.kind", "Вид"),
    ("field.language", "Язык"),
    ("field.memberships", "Членство в подразделениях"),
    ("field.names", "Имена"),
    ("field.next_step", "Следующий шаг"),
    ("field.note", "Примечание"),
    ("field.notes", "Заметки"),
    ("field.parent", "Входит в"),
    ("field.place", "Место"),
    ("field.provider", "Предоставил"),
    ("field.pseudonym", "Код вместо имени"),
    ("field.records", "Записи дела"),
    ("field.reference", "Номер"),
    ("field.relation", "Откуда источнику известно"),
    ("field.reliability", "Достоверность"),
    ("field.reply", "Ответ"),
    ("field.responsible", "Ответственный"),
    ("field.sex", "Пол"),
    ("field.source_type", "Тип источника"),
    ("field.status", "Состояние"),
    ("field.summary", "Краткое описание"),
    ("field.title", "Название"),
    ("field.to", "К"),
    ("field.transcript", "Расшифровка"),
    ("field.unit_type", "Тип подразделения"),
    ("filed", "подано"),
    ("high", "высокая"),
    ("history.field", "Поле"),
    ("history.title", "История"),
    ("history.value", "Значение"),
    ("history.when", "Когда"),
    ("intervention.addressee", "Адресат"),
    ("intervention.deadline", "Срок ответа"),
    ("intervention.filed", "Дата подачи"),
    ("intervention.new", "Добавить обращение"),
    ("intervention.next_step", "Следующий шаг"),
    ("intervention.reference", "Номер"),
    ("intervention.status", "Состояние"),
    ("link.contradicts", "противоречит"),
    ("link.follows", "следует за"),
    ("link.from", "Эта запись"),
    ("link.kind", "Как связаны"),
    ("link.new", "Связать две записи"),
    ("link.part_of", "часть"),
    ("link.related_to", "связано с"),
    ("link.same_person_as", "то же лицо, что"),
    ("link.supports", "подтверждает"),
    ("link.to", "Та запись"),
    ("login.code", "Код участника"),
    (
        "login.code.help",
        "8 символов, выданных вам вместе с учётной записью (например, 09def126).",
    ),
    ("login.passphrase", "Парольная фраза"),
    ("login.submit", "Войти"),
    ("login.title", "Вход"),
    ("low", "низкая"),
    ("medium", "средняя"),
    ("nav.admin", "Участники"),
    ("nav.cases", "Дела"),
    ("nav.compartments", "Доступ"),
    ("nav.evidence", "Материалы"),
    ("nav.home", "Обзор"),
    ("nav.language", "English"),
    ("nav.logout", "Выйти"),
    ("nav.panic", "Тревога"),
    ("nav.persons", "Лица"),
    ("nav.quarantine", "Карантин"),
    ("nav.records", "Все записи"),
    ("nav.search", "Поиск"),
    ("nav.tokens", "Токены"),
    ("nav.units", "Подразделения"),
    ("ordered", "отдали приказ"),
    ("panic.confirm", "Стереть все ключи на этом узле"),
    (
        "panic.done",
        "Ключи на этом узле стёрты, все сеансы завершены. Восстановите хранилище с зеркала на безопасном устройстве.",
    ),
    (
        "panic.explain",
        "Если устройство вот-вот изымут: сотрите все ключи на нём сейчас. Всё хранимое здесь останется зашифрованным, и никто, включая вас, не сможет открыть его на этом устройстве. Данные сохранены на зеркалах и возвращаются только восстановлением (ключ восстановления или парольная фраза и зеркало). Отменить это нельзя.",
    ),
    ("panic.title", "Стереть ключи этого узла"),
    ("person.birth_year", "Год рождения"),
    ("person.given", "Имя"),
    (
        "person.membership",
        "Состоит в подразделении или организации",
    ),
    ("person.new", "Добавить лицо"),
    ("person.patronymic", "Отчество"),
    ("person.position", "Должность или звание"),
    (
        "person.pseudonym",
        "Код вместо имени (для тех, кто должен остаться анонимным)",
    ),
    (
        "person.pseudonym.help",
        "Оставьте имя пустым и укажите только код, если имя может подвергнуть человека опасности.",
    ),
    ("person.role", "Роль"),
    ("person.sex", "Пол"),
    ("person.surname", "Фамилия"),
    ("quarantine.accept", "Принять"),
    ("quarantine.device", "Устройство"),
    ("quarantine.empty", "В карантине ничего нет."),
    ("quarantine.entry", "Запись"),
    (
        "quarantine.help",
        "Записи, сделанные устройством после сообщения о его изъятии. Они сохранены, но не считаются достоверными, пока координатор не рассмотрит каждую: примите то, что действительно записал ваш коллега; отклоните то, что мог записать кто-то другой с изъятого устройства. Ничего не удаляется.",
    ),
    ("quarantine.reject", "Отклонить"),
    ("quarantine.status", "Статус"),
    ("quarantine.title", "Карантин"),
    ("record.fields", "Поля"),
    ("records.title", "Все записи"),
    ("rejected", "отказано"),
    ("role.commander", "командир"),
    ("role.member", "член"),
    ("search.act", "Вид нарушения"),
    ("search.compartments", "просмотрено разделов"),
    ("search.found", "Найдено"),
    ("search.from", "С"),
    ("search.fuzzy", "Также написания с 1–2 ошибками"),
    ("search.place", "Место"),
    ("search.submit", "Найти"),
    ("search.title", "Поиск"),
    ("search.to", "По"),
    ("search.words", "Имена, слова, «фраза» — любым алфавитом"),
    ("setup.code", "Ваш код участника (с ним вы входите)"),
    ("setup.continue", "Я записал(а) ключ — продолжить"),
    ("setup.done", "Хранилище создано"),
    (
        "setup.intro",
        "Хранилища здесь ещё нет. Создайте его с одноразовым кодом, который `khronika serve` вывела в консоль.",
    ),
    ("setup.name", "Ваше имя"),
    (
        "setup.passphrase",
        "Парольная фраза (не короче 12 символов; лучше несколько необычных слов)",
    ),
    (
        "setup.recovery",
        "Ключ восстановления показывается только сейчас. Запишите его на бумаге и храните за пределами региона: с ним и зеркалом хранилище можно восстановить, если это устройство будет потеряно.",
    ),
    ("setup.repeat", "Парольная фраза ещё раз"),
    ("setup.submit", "Создать хранилище"),
    ("setup.title", "Первый запуск"),
    ("setup.token", "Код настройки"),
    ("source.description", "Описание"),
    ("source.evidence", "Файл доказательства"),
    ("source.new", "Добавить источник"),
    (
        "source.provider",
        "Код предоставившего (никогда не настоящее имя)",
    ),
    ("source.relation", "Откуда источнику известно"),
    ("testimony.court", "Можно использовать в суде"),
    ("testimony.date", "Дата беседы"),
    ("testimony.language", "Язык"),
    ("testimony.new", "Добавить показания"),
    ("testimony.pseudonym", "Код свидетеля"),
    (
        "testimony.pseudonym.help",
        "Только код, не настоящее имя: настоящие имена хранятся в отдельном реестре источников.",
    ),
    ("testimony.publication", "Можно публиковать"),
    ("testimony.reliability", "Достоверность"),
    ("testimony.transcript", "Расшифровка"),
    ("tokens.all", "все ваши"),
    (
        "tokens.compartments.help",
        "Ничего не отмечено: все разделы, которые вы можете читать.",
    ),
    ("tokens.create", "Создать токен"),
    (
        "tokens.help",
        "Токен позволяет скрипту (импорт, панель, полевая форма) работать с JSON API Хроники от вашего имени, только в выбранных разделах и только на чтение, если вы не разрешите запись. Каждое использование записывается ниже. См. /api/v1/openapi.json.",
    ),
    ("tokens.new", "Новый токен"),
    ("tokens.none", "У вас нет токенов."),
    (
        "tokens.once",
        "Ваш новый токен, показан только сейчас. Скопируйте его в настройки скрипта и храните как пароль: кто им владеет, может действовать от вашего имени в его пределах, пока вы его не отзовёте.",
    ),
    ("tokens.revoke", "Отозвать"),
    ("tokens.title", "Токены для скриптов"),
    ("tokens.uses", "Последние использования ваших токенов"),
    ("tokens.write", "Запись"),
    (
        "tokens.write.help",
        "Может также записывать (создавать и менять записи, добавлять материалы)",
    ),
    ("trust.quarantined", "на рассмотрении"),
    ("trust.rejected", "отклонено"),
    ("trust.trusted", "принято"),
    ("under_consideration", "на рассмотрении"),
    ("unit.name", "Название"),
    ("unit.new", "Добавить подразделение или организацию"),
    ("unit.parent", "Входит в"),
    ("unknown", "неизвестно"),
    ("was_present", "присутствовали"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_are_sorted_and_have_the_same_keys() {
        for table in [EN, RU] {
            assert!(
                table.windows(2).all(|w| w[0].0 < w[1].0),
                "sorted, no duplicates"
            );
        }
        let en: Vec<&str> = EN.iter().map(|(k, _)| *k).collect();
        let ru: Vec<&str> = RU.iter().map(|(k, _)| *k).collect();
        assert_eq!(en, ru);
    }

    #[test]
    fn every_word_the_templates_ask_for_is_in_both_catalogues() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut asked = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for part in text.split("c.t.s(\"").skip(1) {
                asked.push(part[..part.find('"').unwrap()].to_owned());
            }
        }
        assert!(asked.len() > 50, "the templates were read: {}", asked.len());
        // Words chosen in code rather than in templates.
        asked.extend(
            [
                "cases.title",
                "records.title",
                "carried_out",
                "ordered",
                "was_present",
                "failed_to_act",
            ]
            .into_iter()
            .chain(crate::web::forms::STATUSES)
            .map(String::from),
        );
        for key in &asked {
            for (name, table) in [("English", EN), ("Russian", RU)] {
                assert!(
                    table
                        .binary_search_by(|(k, _)| k.cmp(&key.as_str()))
                        .is_ok(),
                    "{key} is missing from the {name} catalogue"
                );
            }
        }
    }

    #[test]
    fn numbers_and_dates_follow_the_language() {
        let (en, ru) = (Tr { lang: Lang::En }, Tr { lang: Lang::Ru });
        assert_eq!(en.number(1_234_567), "1,234,567");
        assert_eq!(ru.number(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(en.number(999), "999");
        // 2026-11-23 14:05 UTC.
        let ms = 1_795_442_700_000;
        assert_eq!(en.datetime(ms), "23 Nov 2026, 14:05 UTC");
        assert_eq!(ru.datetime(ms), "23 ноября 2026\u{a0}г., 14:05 UTC");
        assert_eq!(en.datetime(0), "1 Jan 1970, 00:00 UTC");
        assert_eq!(en.datetime(951_782_400_000), "29 Feb 2000, 00:00 UTC");
    }

    #[test]
    fn the_language_comes_from_the_cookie_then_the_browser() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::of(&h), Lang::En);
        h.insert(
            "accept-language",
            "de-DE,ru;q=0.8,en;q=0.5".parse().unwrap(),
        );
        assert_eq!(Lang::of(&h), Lang::Ru);
        h.insert("cookie", "__Host-khronika-lang=en".parse().unwrap());
        assert_eq!(Lang::of(&h), Lang::En);
    }
}
