"""The demo world: institutions, staff sign-ins and synthetic cases (`nicat demo`).

Two halves:

- `plan_world(seed, cases, start=0, time_base=None)` is pure: it returns plain data (dicts, lists,
  strings, dates) computed with `random.Random` instances only, so the same seed and time base always
  give the same plan. It never reads the clock: the time base is an argument (default the constant
  `TIME_BASE`, 1 November 2026, 00:00 Asia/Baku); `build_world` passes today's midnight, so that a
  world built today has deadlines today, soon and a few overdue. Every first contact lies within the
  three years before the time base and every trafficking event before its case's first contact.
- `EXTRAS`: the apps' demo data (one line each), built on a new world after its cases — the living
  part (`nicat.web.demo_living`): shelter residents, consul and hotline cases, a waiting referral.
- `apply_world(plan, ...)` writes the plan through the services (`open_case`, `add_event`,
  `add_note`, `update_case`), so every change is validated and audited as in real use. Actors are
  staff of the owning institution; official decisions on the trafficking status are recorded by
  `police.officer` (Main Department), which is why only the Main Department's cases carry one.

Everything in the plan is synthetic. Names of people are common names, not real persons; the
NGOs, the international and the religious organisation are invented ("Nicat Demo ..."). Only the
Main Department's address and numbers and the 152 hotline are real public facts (seed).

Case i of the endless demo sequence of a seed depends only on (seed, i): `plan_world(seed, n,
start=s)` is cases s .. s+n-1 of that sequence, so adding cases to an existing world (a second
`nicat demo`) continues the sequence instead of repeating people. Within one plan the cases are
ordered by first contact, so that on an empty database the references (`NCT-<year>-<n>`,
sequential per year of first contact) are predictable: each planned case carries its `year` and
`number`.
"""
import datetime
import random
from zoneinfo import ZoneInfo

BAKU = ZoneInfo("Asia/Baku")
# The demo world's "now". Constant, so that a seed gives the same world whenever it is built.
TIME_BASE = datetime.datetime(2026, 11, 1, 0, 0, tzinfo=BAKU)
DEFAULT_SEED = 2026
DEFAULT_CASES = 120
BLOCK = 40  # profile and owner decks are dealt per block of 40 cases

# --------------------------------------------------------------------------------------------
# Institutions (static). Codes are stable: the demo finds them again by code.
# --------------------------------------------------------------------------------------------

MAIN = "main-department"
HOTLINE = "hotline-152"
SHELTER = "state-shelter"
CENTRE = "assistance-centre"
NGO1 = "ngo-gunesli-korpu"
NGO2 = "ngo-umid-yolu"
MEDICAL = "demo-city-hospital"
INTERNATIONAL = "intl-safe-migration"
RELIGIOUS = "religious-charity"
EMBASSY = "consulate-dubai"

INSTITUTIONS = [
    {
        "code": MAIN,
        "name_az": "Daxili İşlər Nazirliyinin İnsan Alverinə qarşı Mübarizə Baş İdarəsi",
        "name_ru": "Главное управление по борьбе с торговлей людьми Министерства внутренних дел",
        "name_en": "Main Department for Combating Trafficking in Human Beings of the Ministry of Internal Affairs",
        "kind": "law_enforcement", "region": "baku", "country": "AZ",
        "address": "Baku, Azadlig Avenue 161, AZ1106",
        "phone": "(+99412) 590-20-49", "fax": "(+99412) 590-20-48",
        "hours": "Duty service 24/7",
        "languages": ["az", "ru", "en"],
        "is_competent_authority": True, "listed_publicly": True,
    },
    {
        "code": HOTLINE,
        "name_az": "152 «Biganə qalma» qaynar xətti",
        "name_ru": "Горячая линия 152 «Не будь равнодушным»",
        "name_en": "Hotline 152 “Don't be indifferent”",
        "kind": "hotline", "region": "baku", "country": "AZ",
        "address": "", "phone": "152", "hours": "24/7",
        "languages": ["az", "ru", "en"],
        "listed_publicly": True,
    },
    {
        "code": SHELTER,
        "name_az": "İnsan alveri qurbanları üçün dövlət sığınacağı",
        "name_ru": "Государственный приют для жертв торговли людьми",
        "name_en": "State shelter for victims of trafficking in human beings",
        "kind": "shelter", "region": "baku", "country": "AZ",
        # A shelter's address is kept confidential; the public reaches it through 152.
        "address": "Bakı (ünvan məxfidir / address confidential)", "phone": "", "hours": "24/7",
        "languages": ["az", "ru"],
        "is_special_institution": True,
    },
    {
        "code": CENTRE,
        "name_az": "İnsan alveri qurbanlarına yardım mərkəzi",
        "name_ru": "Центр помощи жертвам торговли людьми",
        "name_en": "Assistance centre for victims of trafficking in human beings",
        "kind": "assistance_centre", "region": "baku", "country": "AZ",
        "address": "Bakı şəhəri, Nəsimi rayonu (demo)", "phone": "(+99412) 000-00-21 (demo)",
        "hours": "B.e.–Cümə 09:00–18:00",
        "languages": ["az", "ru", "en"],
        "is_special_institution": True, "listed_publicly": True,
    },
    {
        "code": NGO1,
        "name_az": "Nicat Demo QHT «Günəşli Körpü»",
        "name_ru": "Демо-НПО Nicat «Солнечный мост»",
        "name_en": "Nicat Demo NGO “Sunny Bridge”",
        "kind": "ngo", "region": "baku", "country": "AZ",
        "address": "Bakı şəhəri, Yasamal rayonu (demo)", "phone": "(+99412) 000-00-31 (demo)",
        "hours": "B.e.–Şənbə 09:00–19:00",
        "languages": ["az", "ru", "en"],
        "is_nonprofit": True, "listed_publicly": True,
    },
    {
        "code": NGO2,
        "name_az": "Nicat Demo İctimai Birliyi «Ümid Yolu»",
        "name_ru": "Демо-общественное объединение Nicat «Путь надежды»",
        "name_en": "Nicat Demo Public Union “Path of Hope”",
        "kind": "ngo", "region": "ganja_dashkasan", "country": "AZ",
        "address": "Gəncə şəhəri, Kəpəz rayonu (demo)", "phone": "(+99422) 000-00-41 (demo)",
        "hours": "B.e.–Cümə 09:00–18:00",
        "languages": ["az", "ru"],
        "is_nonprofit": True, "listed_publicly": True,
    },
    {
        "code": MEDICAL,
        "name_az": "Nicat Demo Şəhər Klinik Xəstəxanası",
        "name_ru": "Демо городская клиническая больница Nicat",
        "name_en": "Nicat Demo City Clinical Hospital",
        "kind": "medical", "region": "baku", "country": "AZ",
        "address": "Bakı şəhəri, Nərimanov rayonu (demo)", "phone": "(+99412) 000-00-51 (demo)",
        "hours": "24/7",
        "languages": ["az", "ru"],
        "listed_publicly": True,
    },
    {
        "code": INTERNATIONAL,
        "name_az": "Nicat Demo Təhlükəsiz Miqrasiya üzrə Beynəlxalq Tərəfdaşlıq",
        "name_ru": "Демо Международное партнёрство Nicat за безопасную миграцию",
        "name_en": "Nicat Demo International Partnership for Safe Migration",
        "kind": "international_org", "region": "baku", "country": "AZ",
        "address": "Bakı şəhəri, Səbail rayonu (demo)", "phone": "(+99412) 000-00-61 (demo)",
        "hours": "B.e.–Cümə 09:00–18:00",
        "languages": ["az", "ru", "en"],
        "is_nonprofit": True, "listed_publicly": True,
    },
    {
        "code": RELIGIOUS,
        "name_az": "Nicat Demo Dini İcmanın Xeyriyyə Şurası",
        "name_ru": "Демо благотворительный совет религиозной общины Nicat",
        "name_en": "Nicat Demo Religious Community Charity Council",
        "kind": "religious_org", "region": "absheron_khizi", "country": "AZ",
        "address": "Sumqayıt şəhəri (demo)", "phone": "(+99418) 000-00-71 (demo)",
        "hours": "Hər gün 10:00–17:00",
        "languages": ["az", "ru", "ar"],
        "is_nonprofit": True, "listed_publicly": True,
    },
    {
        "code": EMBASSY,
        "name_az": "Azərbaycan Respublikasının Dubaydakı Baş Konsulluğu (demo)",
        "name_ru": "Генеральное консульство Азербайджанской Республики в Дубае (демо)",
        "name_en": "Consulate General of the Republic of Azerbaijan in Dubai (demo)",
        "kind": "embassy_consulate", "region": "abroad", "country": "AE",
        "address": "Dubai, United Arab Emirates (demo)", "phone": "+971 4 000 0000 (demo)",
        "hours": "Mon–Fri 09:00–17:00",
        "languages": ["az", "ru", "en", "ar"],
    },
]

# username, role, institution code (None: no membership), first name, last name, preferred language
USERS = [
    ("ngo.worker", "case_worker", NGO1, "Aygün", "Rzayeva", "az"),
    ("ngo2.worker", "case_worker", NGO2, "Nərgiz", "Hacıyeva", "az"),
    ("police.officer", "identification_officer", MAIN, "Elşən", "Məmmədli", "az"),
    ("supervisor", "supervisor", MAIN, "Fuad", "Abbasov", "az"),
    ("hotline.operator", "hotline_operator", HOTLINE, "Sevda", "Qasımlı", "az"),
    ("shelter.manager", "shelter_staff", SHELTER, "Gülnarə", "Əzizova", "az"),
    ("centre.worker", "case_worker", CENTRE, "Ramin", "Novruzov", "az"),
    ("doctor", "medical_staff", MEDICAL, "Lalə", "Zeynalova", "ru"),
    ("consul.officer", "consular_officer", EMBASSY, "Teymur", "Hümbətov", "az"),
    ("analyst", "analyst", MAIN, "Kənan", "Əsgərov", "en"),
    ("admin", None, None, "Sistem", "Administratoru", "en"),
]

# Who opens and works on the cases of each owner.
OWNER_STAFF = {
    MAIN: ["police.officer", "police.officer", "supervisor"],
    NGO1: ["ngo.worker"],
    NGO2: ["ngo2.worker"],
    CENTRE: ["centre.worker"],
    HOTLINE: ["hotline.operator"],
}
DECIDER = "police.officer"
REQUIRED_OWNERS = [MAIN, NGO1, NGO2, CENTRE]  # each owns at least one case (INTERFACES.md)
# Owner deck of a block of 40 (the required owners come first in each block).
OWNER_DECK = {MAIN: 17, NGO1: 8, NGO2: 7, CENTRE: 6, HOTLINE: 2}

# Profile deck of a block of 40, after Azerbaijan's caseload: mostly adult women in sexual
# exploitation, often abroad; a growing share of men in forced labour; a few children,
# foreigners exploited in Azerbaijan and a stateless person.
PROFILE_DECK = {
    "woman_sexual_abroad": 20,
    "woman_sexual_domestic": 2,
    "man_labour_abroad": 6,
    "man_labour_domestic": 2,
    "woman_servitude_abroad": 1,
    "girl_sexual": 1,
    "boy_begging": 1,
    "foreign_man_labour_az": 3,
    "foreign_woman_domestic_az": 1,
    "stateless_woman": 1,
    "man_unlawful": 1,
    "woman_surrogacy": 1,
}

# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------

AZ_FEMALE = ["Aysel", "Günel", "Leyla", "Nərmin", "Səbinə", "Aynur", "Könül", "Şəbnəm", "Ülviyyə", "Aytən",
             "Nigar", "Sevinc", "Gülnar", "Xədicə", "Fidan", "Lalə", "Zəhra", "Nurlana", "Türkan", "Vüsalə",
             "Aygün", "Gülşən", "Elmira", "Səadət", "Pərvin", "Mehriban", "Ulduz", "Röya", "Kəmalə", "Tamilla"]
AZ_MALE = ["Elvin", "Rəşad", "Tural", "Orxan", "Elnur", "Vüqar", "Kamran", "Ramil", "Anar", "Fərid", "Cavid",
           "Əli", "Murad", "Ruslan", "Zaur", "Samir", "Emin", "Tofiq", "İlkin", "Şahin", "Elçin", "Rauf",
           "Vüsal", "Nurlan", "Həsən", "Mübariz", "Natiq", "Sənan"]
AZ_FATHERS = ["Rəşid", "Elçin", "Vaqif", "Məhəmməd", "Əli", "Tofiq", "İlham", "Rafiq", "Zakir", "Səməd",
              "Namiq", "Akif", "Arif", "Yaşar", "Fikrət", "Şahin", "Əziz", "Ramiz", "Mirzə", "Qabil"]
AZ_SURNAME_STEMS = ["Məmmədov", "Əliyev", "Hüseynov", "Həsənov", "Quliyev", "İsmayılov", "Cəfərov",
                    "Abdullayev", "Rəhimov", "Nəsirov", "Bağırov", "Səfərov", "Kərimov", "Qasımov", "Orucov",
                    "Əhmədov", "Vəliyev", "Mustafayev", "Babayev", "Süleymanov", "Hacıyev", "Nəbiyev",
                    "İbrahimov", "Rüstəmov", "Tağıyev"]

RU_FEMALE = ["Ирина", "Наталья", "Елена", "Ольга", "Светлана", "Татьяна", "Анна", "Екатерина", "Юлия",
             "Марина", "Виктория", "Людмила"]
RU_MALE = ["Сергей", "Алексей", "Дмитрий", "Андрей", "Игорь", "Виктор", "Роман", "Олег"]
RU_FATHERS = [("Сергей", "Сергеевна", "Сергеевич"), ("Александр", "Александровна", "Александрович"),
              ("Виктор", "Викторовна", "Викторович"), ("Игорь", "Игоревна", "Игоревич"),
              ("Владимир", "Владимировна", "Владимирович"), ("Николай", "Николаевна", "Николаевич"),
              ("Рафик", "Рафиковна", "Рафикович"), ("Эльдар", "Эльдаровна", "Эльдарович")]
RU_SURNAME_STEMS = ["Мамедов", "Алиев", "Гусейнов", "Гасанов", "Кулиев", "Иванов", "Петров", "Смирнов",
                    "Кузнецов", "Попов", "Соколов", "Волков", "Исмаилов", "Джафаров"]

CYR_LAT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                   ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
                    "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))

FOREIGN = {
    # citizenship: (languages, female names, male names, surname stems, female suffix, cities of recruitment)
    "UZ": (["uz", "ru"], ["Dilnoza", "Gulnora", "Malika", "Nodira", "Shahnoza"],
           ["Jasur", "Bekzod", "Sherzod", "Dilshod", "Otabek", "Sardor", "Rustam", "Akmal"],
           ["Karimov", "Tursunov", "Rahimov", "Yusupov", "Ergashev", "Nurmatov", "Qodirov"], "a",
           ["Daşkənd", "Səmərqənd", "Buxara", "Fərqanə"]),
    "TJ": (["tg", "ru"], ["Zarina", "Mehrona", "Nigina", "Farzona"],
           ["Firuz", "Daler", "Farhod", "Jamshed", "Umed", "Bahrom"],
           ["Rahmonov", "Nazarov", "Saidov", "Sharipov", "Davlatov", "Qurbonov"], "a",
           ["Düşənbə", "Xocənd", "Kulob"]),
    "KG": (["ky", "ru"], ["Aigerim", "Aizhan", "Cholpon", "Gulzat", "Begimai"],
           ["Azamat", "Nurlan", "Bakyt", "Ermek", "Aibek", "Talant"],
           ["Asanov", "Toktogulov", "Mamatov", "Osmonov", "Sydykov"], "a",
           ["Bişkek", "Oş", "Cəlalabad"]),
    "NP": (["ne", "en"], ["Sita", "Gita", "Sunita", "Anita", "Laxmi", "Sarita"],
           ["Ram", "Bikash", "Suresh", "Prakash", "Dipak"],
           ["Gurung", "Tamang", "Rai", "Shrestha", "Magar", "Thapa"], "",
           ["Katmandu", "Pokhara"]),
    "PH": (["fil", "en"], ["Maria", "Jocelyn", "Rowena", "Marites", "Analyn", "Cristina"],
           ["Jose", "Mark", "Reynaldo", "Ramon"],
           ["Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza"], "",
           ["Manila", "Sebu", "Davao"]),
}

# --------------------------------------------------------------------------------------------
# Places (Azerbaijani spellings; locative forms for the summaries)
# --------------------------------------------------------------------------------------------

# (city, locative, region code, weight)
AZ_CITIES = [
    ("Bakı", "Bakıda", "baku", 30), ("Sumqayıt", "Sumqayıtda", "absheron_khizi", 9),
    ("Gəncə", "Gəncədə", "ganja_dashkasan", 9), ("Lənkəran", "Lənkəranda", "lankaran_astara", 5),
    ("Masallı", "Masallıda", "lankaran_astara", 4), ("Cəlilabad", "Cəlilabadda", "lankaran_astara", 3),
    ("Şirvan", "Şirvanda", "shirvan_salyan", 4), ("Salyan", "Salyanda", "shirvan_salyan", 3),
    ("Mingəçevir", "Mingəçevirdə", "central_aran", 4), ("Bərdə", "Bərdədə", "karabakh", 3),
    ("Şəki", "Şəkidə", "shaki_zagatala", 4), ("Zaqatala", "Zaqatalada", "shaki_zagatala", 2),
    ("Quba", "Qubada", "guba_khachmaz", 4), ("Xaçmaz", "Xaçmazda", "guba_khachmaz", 3),
    ("Sabirabad", "Sabirabadda", "central_aran", 3), ("İmişli", "İmişlidə", "mil_mughan", 2),
    ("Qazax", "Qazaxda", "gazakh_tovuz", 2), ("Naxçıvan", "Naxçıvanda", "nakhchivan", 2),
    ("Şamaxı", "Şamaxıda", "mountainous_shirvan", 2),
]
# country: (locative, cities, weight among destinations abroad of sexual exploitation / labour)
ABROAD = {
    "TR": ("Türkiyədə", ["İstanbul", "Antalya", "Ankara", "Trabzon", "Alanya", "İzmir"]),
    "AE": ("Birləşmiş Ərəb Əmirliklərində", ["Dubay", "Şarqa", "Əbu-Dabi"]),
    "RU": ("Rusiyada", ["Moskva", "Sankt-Peterburq", "Yekaterinburq", "Krasnodar", "Novosibirsk"]),
    "GE": ("Gürcüstanda", ["Tbilisi", "Batumi"]),
    "IR": ("İranda", ["Təbriz", "Tehran"]),
    "KZ": ("Qazaxıstanda", ["Aktau"]),
}
SEX_DESTINATIONS = [("TR", 40), ("AE", 34), ("RU", 16), ("GE", 6), ("IR", 4)]
LABOUR_DESTINATIONS = [("RU", 60), ("TR", 32), ("AE", 8)]
SERVITUDE_DESTINATIONS = [("TR", 55), ("AE", 45)]

# --------------------------------------------------------------------------------------------
# Texts (neutral, Azerbaijani; some notes in Russian)
# --------------------------------------------------------------------------------------------

SEX_JOBS = ["ofisiant", "dayə", "satıcı", "otel işçisi", "rəqqasə", "salon işçisi", "xadimə"]
LABOUR_JOBS_ABROAD = ["tikinti fəhləsi", "istixana işçisi", "anbar işçisi", "bazar fəhləsi", "aşpaz köməkçisi"]
LABOUR_JOBS_DOMESTIC = ["tikinti fəhləsi", "kənd təsərrüfatı işçisi", "çoban", "bağ işçisi"]
SERVITUDE_JOBS = ["ev işçisi", "dayə", "qulluqçu"]
CHANNEL_PHRASES = {
    "employment_agency": "Məşğulluq şirkəti vasitəsilə iş təklif olunub.",
    "model_agency": "Model agentliyi adı ilə əlaqə saxlanılıb.",
    "marriage_agency": "Nikah agentliyi vasitəsilə tanışlıq təklif olunub.",
    "tourism_agency": "Turizm agentliyi vasitəsilə səfər təşkil olunub.",
    "internet_announcements": "Sosial şəbəkədə iş elanı vasitəsilə əlaqə yaranıb.",
    "press_tv_announcements": "Qəzet elanı əsasında əlaqə saxlanılıb.",
    "acquaintances_relatives": "Tanışının təklifi ilə razılaşıb.",
    "foreign_agency": "Xarici agentlik iş təklifi göndərib.",
    "intermediaries": "Vasitəçi şəxs iş və yol xərclərini təşkil edəcəyini vəd edib.",
}
NOTICE_PHRASES = {
    "police_operation": "Polis əməliyyatı zamanı aşkar edilib.",
    "consulate": "Konsulluğun köməyi ilə vətənə qaytarılıb.",
    "hotline": "152 qaynar xəttinə zəng edərək kömək istəyib.",
    "self_referral": "Özü müraciət edib.",
    "ngo": "Qeyri-hökumət təşkilatı tərəfindən yönləndirilib.",
    "medical": "Tibb müəssisəsi tərəfindən yönləndirilib.",
    "other": "Digər qurum tərəfindən yönləndirilib.",
}
NOTES_COMMON = [
    "İlkin müsahibə aparıldı. Şəxsə hüquqları və mövcud yardım növləri izah edildi.",
    "Psixoloqla görüş keçirildi; növbəti görüş razılaşdırıldı.",
    "Tibbi müayinə təşkil edildi, müalicə davam edir.",
    "Hüquqi məsləhət verildi. Şəxs ifadə verməyə hazır olduğunu bildirdi.",
    "Şəxsiyyət sənədlərinin bərpası üçün müraciət hazırlandı.",
    "Sığınacaqda müvəqqəti yerləşdirmə barədə şəxsin razılığı alındı.",
    "Peşə təlimi kursuna qeydiyyat üçün müraciət edildi.",
    "Ailə ilə əlaqə bərpa edildi; şəxs evə qayıtmaq istəyir.",
    "Telefonla əlaqə saxlanıldı, vəziyyəti sabitdir.",
    "Fərdi sosial reabilitasiya planı hazırlandı və şəxslə razılaşdırıldı.",
]
NOTES_RU = [
    "Проведена первичная беседа, предложена психологическая помощь.",
    "Связались по телефону, самочувствие удовлетворительное.",
    "Подготовлены документы для восстановления паспорта.",
]
NOTES_FOREIGN = [
    "30 günlük bərpa və düşünmə müddəti barədə məlumat verildi; tərcüməçi iştirak etdi.",
    "Müvəqqəti yaşama icazəsi ilə bağlı hüquqi məsləhət verildi.",
    "Könüllü vətənə qayıdış üçün risk qiymətləndirilməsi aparıldı.",
]
NOTES_ABROAD = [
    "Konsulluqla əlaqə saxlanıldı, vətənə qayıdış üçün yol sənədi hazırlanır.",
]
NOTES_ACTUAL = [
    "Rəsmi tanınmadan sonra birdəfəlik müavinətin ödənilməsi üçün sənədlər təqdim olundu.",
]
NOTES_CHILD = [
    "Qanuni nümayəndənin iştirakı ilə söhbət aparıldı; məktəbə qayıdış üçün addımlar razılaşdırıldı.",
]


# --------------------------------------------------------------------------------------------
# Planning (pure)
# --------------------------------------------------------------------------------------------

def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[-1] for p in pairs])[0]


def _deck(counts):
    return [key for key, n in counts.items() for _ in range(n)]


def _block_decks(seed, block):
    rng = random.Random(f"nicat-demo:{seed}:block:{block}")
    profiles = _deck(PROFILE_DECK)
    rng.shuffle(profiles)
    rest = _deck(OWNER_DECK)
    for code in REQUIRED_OWNERS:
        rest.remove(code)
    rng.shuffle(rest)
    return profiles, REQUIRED_OWNERS + rest


def age_on(birth, day):
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _birth_date(rng, age, on):
    anniversary = on.replace(year=on.year - age, day=min(on.day, 28))
    return anniversary - datetime.timedelta(days=rng.randint(1, 360))


def _az_person(rng, female, age, first_contact):
    day = first_contact.date()
    if rng.random() < 0.15:  # Russian-speaking citizens of Azerbaijan, names in Cyrillic
        given = rng.choice(RU_FEMALE if female else RU_MALE)
        father = rng.choice(RU_FATHERS)
        patronymic = father[1] if female else father[2]
        family = rng.choice(RU_SURNAME_STEMS) + ("а" if female else "")
        latin = " ".join("".join(CYR_LAT.get(c.lower(), c) for c in part).capitalize() for part in (given, family))
        aliases = [latin]
        languages = ["ru", "az"] if rng.random() < 0.6 else ["ru"]
    else:
        given = rng.choice(AZ_FEMALE if female else AZ_MALE)
        patronymic = f"{rng.choice(AZ_FATHERS)} {'qızı' if female else 'oğlu'}"
        family = rng.choice(AZ_SURNAME_STEMS) + ("a" if female else "")
        aliases = []
        languages = ["az", "ru"] if rng.random() < 0.35 else ["az"]
    documents = []
    if age >= 16 and rng.random() < 0.8:
        issued = day - datetime.timedelta(days=rng.randint(100, 3300))
        documents.append({"type": "passport", "number": f"C{rng.randint(0, 99999999):08d}", "country": "AZ",
                          "expiry": issued.replace(year=issued.year + 10, day=min(issued.day, 28)).isoformat()})
    return {
        "given_name": given, "family_name": family, "patronymic": patronymic, "aliases": aliases,
        "birth_date": _birth_date(rng, age, day), "estimated_age": None,
        "gender": "feminine" if female else "masculine",
        "citizenships": ["AZ"], "languages": languages, "documents": documents,
        "phone": (f"+994 {rng.choice(['50', '51', '55', '70', '77', '99', '10'])} "
                  f"{rng.randint(200, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}") if rng.random() < 0.6 else "",
    }


def _foreign_person(rng, female, age, first_contact, citizenship):
    languages, f_names, m_names, stems, suffix, _cities = FOREIGN[citizenship]
    day = first_contact.date()
    person = {
        "given_name": rng.choice(f_names if female else m_names),
        "family_name": rng.choice(stems) + (suffix if female else ""),
        "patronymic": "", "aliases": [],
        "birth_date": None, "estimated_age": None,
        "gender": "feminine" if female else "masculine",
        "citizenships": [citizenship], "languages": list(languages), "documents": [], "phone": "",
    }
    if rng.random() < 0.6:
        person["birth_date"] = _birth_date(rng, age, day)
    else:  # no document at hand: an estimated age, recorded at first contact
        person["estimated_age"] = age
    if rng.random() < 0.5:  # often the employer kept the passport; sometimes it was returned
        letters = "".join(rng.choice("ABCDEFGHKLMNPRST") for _ in range(2))
        person["documents"].append({"type": "passport", "number": f"{letters}{rng.randint(0, 9999999):07d}",
                                    "country": citizenship, "expiry": ""})
    return person


def _first_contact(rng, within_days, base=TIME_BASE):
    days = rng.randint(2, within_days)
    moment = base - datetime.timedelta(days=days)
    return moment.replace(hour=rng.randint(9, 18), minute=rng.randint(0, 59))


def _date_before(rng, day, min_days, max_days):
    return day - datetime.timedelta(days=rng.randint(min_days, max_days))


def _pick(rng, options, k_min, k_max):
    k = rng.randint(k_min, min(k_max, len(options)))
    return sorted(rng.sample(options, k))


def _adult_means(rng, extra=()):
    means = {"deception"} if rng.random() < 0.85 else {"fraud"}
    for code, p in (("fraud", 0.3), ("intimidation_coercion", 0.5), ("threat_or_use_of_force", 0.25),
                    ("abuse_of_vulnerability", 0.4), ("abuse_of_power", 0.05), ("abduction", 0.02), *extra):
        if rng.random() < p:
            means.add(code)
    return sorted(means)


def _acts(rng, moved):
    acts = {"recruitment", "harbouring" if rng.random() < 0.5 else "keeping"}
    if moved:
        acts.add("transporting")
    if rng.random() < 0.3:
        acts.add("receipt")
    if rng.random() < 0.1:
        acts.add("giving")
    return sorted(acts)


def _plan_case(seed, index, profile, owner, base=TIME_BASE):
    rng = random.Random(f"nicat-demo:{seed}:case:{index}")
    child = profile in ("girl_sexual", "boy_begging")
    female = profile.startswith(("woman", "girl", "stateless", "foreign_woman"))
    first_contact = _first_contact(rng, 360 if child else 3 * 365, base)
    fc_day = first_contact.date()
    if child:
        age = rng.randint(14, 17) if female else rng.randint(11, 16)
    elif female:
        age = int(rng.triangular(18, 45, 24))
    else:
        age = int(rng.triangular(19, 55, 30))

    home = AZ_CITIES[[c[0] for c in AZ_CITIES].index(_weighted(rng, [(c[0], c[3]) for c in AZ_CITIES]))]
    foreign = profile.startswith("foreign")
    if foreign:
        citizenship = (_weighted(rng, [("UZ", 45), ("TJ", 30), ("KG", 25)]) if profile == "foreign_man_labour_az"
                       else _weighted(rng, [("NP", 50), ("PH", 50)]))
        person = _foreign_person(rng, female, age, first_contact, citizenship)
        person["address"] = ""
    else:
        person = _az_person(rng, female, age, first_contact)
        person["address"] = f"{home[0]} şəhəri"
        if profile == "stateless_woman":
            person["citizenships"] = ["XXA"]
            person["documents"] = []
    person["age_recorded_on"] = fc_day if person["estimated_age"] is not None else None

    # Where and what: exploitation forms, countries, events, summary.
    recruited_on = _date_before(rng, fc_day, 60, 720)
    means = _adult_means(rng)
    risk_pool = ["unemployed"]
    events = []
    transit = None
    if profile in ("woman_sexual_abroad", "man_labour_abroad", "woman_servitude_abroad", "man_unlawful",
                   "woman_surrogacy"):
        if profile == "woman_sexual_abroad":
            dest = _weighted(rng, SEX_DESTINATIONS)
            forms, job = ["sexual_exploitation"], rng.choice(SEX_JOBS)
            channels = _pick(rng, ["internet_announcements", "acquaintances_relatives", "employment_agency",
                                   "intermediaries", "model_agency", "marriage_agency", "tourism_agency"], 1, 2)
            risk_pool = ["unemployed", "sex_work", "homeless_neglected", "addiction"]
            harm = "orada cinsi istismara məruz qalıb"
        elif profile == "man_labour_abroad":
            dest = _weighted(rng, LABOUR_DESTINATIONS)
            forms, job = ["forced_labour"], rng.choice(LABOUR_JOBS_ABROAD)
            channels = _pick(rng, ["acquaintances_relatives", "intermediaries", "employment_agency",
                                   "internet_announcements", "foreign_agency"], 1, 2)
            risk_pool = ["unemployed", "migrants"]
            harm = "pasportu alınıb, əmək haqqı ödənilmədən borc adı ilə işləməyə məcbur edilib"
        elif profile == "woman_servitude_abroad":
            dest = _weighted(rng, SERVITUDE_DESTINATIONS)
            forms, job = ["forced_labour", "slavery_servitude"], rng.choice(SERVITUDE_JOBS)
            channels = _pick(rng, ["employment_agency", "acquaintances_relatives", "foreign_agency"], 1, 2)
            risk_pool = ["unemployed", "migrants"]
            harm = "evdən çıxmasına icazə verilməyib, əmək haqqı ödənilməyib"
        elif profile == "man_unlawful":
            dest = "RU"
            forms, job = ["unlawful_activities"], "sürücü"
            channels = ["intermediaries"]
            risk_pool = ["unemployed", "addiction"]
            harm = "qanunsuz yük daşımağa məcbur edilib"
        else:  # woman_surrogacy
            dest = "GE"
            forms, job = ["surrogacy"], "ev işçisi"
            channels = _pick(rng, ["internet_announcements", "intermediaries"], 1, 1)
            means = sorted(set(means) | {"abuse_of_vulnerability"}
                           | ({"payments_to_person_in_control"} if rng.random() < 0.3 else set()))
            risk_pool = ["unemployed"]
            harm = "surroqat ana olmağa məcbur edilib"
        dest_loc, dest_cities = ABROAD[dest]
        dest_city = rng.choice(dest_cities)
        exploited_from = recruited_on + datetime.timedelta(days=rng.randint(3, 30))
        exploited_to = _date_before(rng, fc_day, 1, 45)
        if exploited_to < exploited_from:
            exploited_to = exploited_from
        events.append({"kind": "Recruitment", "country": "AZ", "place": home[0], "date_from": recruited_on,
                       "date_to": None, "description": CHANNEL_PHRASES[channels[0]]})
        if dest in ("TR", "AE") and rng.random() < 0.3:
            transit = ("GE", "Tbilisi") if dest == "TR" else ("TR", "İstanbul")
        if transit:
            t_from = recruited_on + datetime.timedelta(days=rng.randint(1, 2))
            events.append({"kind": "Transit", "country": transit[0], "place": transit[1], "date_from": t_from,
                           "date_to": t_from + datetime.timedelta(days=rng.randint(0, 2)), "description": ""})
        events.append({"kind": "Exploitation", "country": dest, "place": dest_city, "date_from": exploited_from,
                       "date_to": exploited_to, "description": ""})
        origin, recruitment, exploitation = ["AZ"], ["AZ"], [dest]
        scope = "transnational"
        summary = f"{dest_loc} {job} kimi iş vəd edilib; {harm}."
    elif profile in ("woman_sexual_domestic", "man_labour_domestic", "girl_sexual", "boy_begging",
                     "stateless_woman"):
        place = home if rng.random() < 0.4 else AZ_CITIES[0]
        if profile in ("woman_sexual_domestic", "stateless_woman", "girl_sexual"):
            forms = ["sexual_exploitation"]
            channels = _pick(rng, ["acquaintances_relatives", "internet_announcements", "intermediaries"], 1, 2)
            risk_pool = (["evading_education", "homeless_neglected"] if child
                         else ["unemployed", "sex_work", "homeless_neglected"])
            summary = f"{place[1]} iş vəd edilib; mənzildə saxlanılaraq cinsi istismara məruz qalıb."
        elif profile == "man_labour_domestic":
            forms = ["forced_labour"]
            job = rng.choice(LABOUR_JOBS_DOMESTIC)
            channels = _pick(rng, ["acquaintances_relatives", "intermediaries"], 1, 1)
            risk_pool = ["unemployed", "homeless_neglected", "addiction", "mental_illness"]
            summary = f"{place[1]} {job} kimi əmək haqqı ödənilmədən işləməyə məcbur edilib."
        else:  # boy_begging
            forms = ["forced_labour"]
            channels = ["acquaintances_relatives"]
            risk_pool = ["vagrancy_begging", "evading_education", "homeless_neglected"]
            summary = f"{place[1]} küçədə dilənçiliyə məcbur edilib."
        if child:
            means = []  # for a child the means are not required
        events.append({"kind": "Recruitment", "country": "AZ", "place": home[0], "date_from": recruited_on,
                       "date_to": None, "description": CHANNEL_PHRASES[channels[0]]})
        events.append({"kind": "Exploitation", "country": "AZ", "place": place[0],
                       "date_from": recruited_on + datetime.timedelta(days=rng.randint(1, 20)),
                       "date_to": _date_before(rng, fc_day, 0, 20), "description": ""})
        if events[-1]["date_to"] < events[-1]["date_from"]:
            events[-1]["date_to"] = events[-1]["date_from"]
        origin, recruitment, exploitation = ["AZ"], ["AZ"], ["AZ"]
        scope = "internal"
    else:  # foreigners exploited in Azerbaijan
        citizenship = person["citizenships"][0]
        foreign_city = rng.choice(FOREIGN[citizenship][5])
        if profile == "foreign_man_labour_az":
            forms = ["forced_labour"]
            job = rng.choice(["tikinti fəhləsi", "kənd təsərrüfatı işçisi"])
            place = AZ_CITIES[0] if rng.random() < 0.6 else AZ_CITIES[1]
            channels = _pick(rng, ["intermediaries", "acquaintances_relatives", "foreign_agency"], 1, 2)
            transit = ("KZ", "Aktau") if rng.random() < 0.5 else None
        else:
            forms = ["forced_labour", "slavery_servitude"]
            job = "ev işçisi"
            place = AZ_CITIES[0]
            channels = _pick(rng, ["foreign_agency", "employment_agency"], 1, 2)
            transit = ("AE", "Dubay") if rng.random() < 0.6 else None
        risk_pool = ["migrants", "unemployed"]
        events.append({"kind": "Recruitment", "country": citizenship, "place": foreign_city,
                       "date_from": recruited_on, "date_to": None, "description": CHANNEL_PHRASES[channels[0]]})
        if transit:
            t_from = recruited_on + datetime.timedelta(days=rng.randint(1, 5))
            events.append({"kind": "Transit", "country": transit[0], "place": transit[1], "date_from": t_from,
                           "date_to": t_from + datetime.timedelta(days=rng.randint(0, 3)), "description": ""})
        events.append({"kind": "Exploitation", "country": "AZ", "place": place[0],
                       "date_from": recruited_on + datetime.timedelta(days=rng.randint(6, 20)),
                       "date_to": _date_before(rng, fc_day, 0, 10), "description": ""})
        if events[-1]["date_to"] < events[-1]["date_from"]:
            events[-1]["date_to"] = events[-1]["date_from"]
        origin, recruitment, exploitation = [citizenship], [citizenship], ["AZ"]
        scope = "transnational"
        summary = (f"Azərbaycanda {job} kimi iş vəd edilib; sənədləri alınıb, "
                   "əmək haqqı ödənilmədən işləməyə məcbur edilib.")
    moved = scope == "transnational" or events[0]["place"] != events[-1]["place"]
    risks = _pick(rng, risk_pool, 0, 2)

    # How the person came to notice, by owner.
    abroad = exploitation != ["AZ"] and "AZ" in origin
    if owner == MAIN:
        notice = _weighted(rng, [("police_operation", 55), ("consulate", 18 if abroad else 0), ("hotline", 12),
                                 ("self_referral", 10), ("medical", 5)])
    elif owner == HOTLINE:
        notice = "hotline"
    elif owner == CENTRE:
        notice = _weighted(rng, [("other", 40), ("ngo", 30), ("self_referral", 20), ("consulate", 10 if abroad else 0)])
    else:
        notice = _weighted(rng, [("ngo", 35), ("self_referral", 35), ("hotline", 20), ("medical", 5),
                                 ("consulate", 5 if abroad else 0)])
    summary = f"{summary} {NOTICE_PHRASES[notice]}"

    staff = OWNER_STAFF[owner]
    opened_by = rng.choice(staff)
    age_days = (base.date() - fc_day).days

    # Official decision (Main Department only: its identification officer sees its own cases).
    decision = None
    if owner == MAIN and age_days > 30:
        roll = rng.random()
        if roll < 0.6:
            decision = "ActualVictimOfTrafficking"
        elif roll < 0.68:
            decision = "NotAVictimOfTrafficking"

    # Case status: older cases are more often in follow-up or closed.
    status, reason = "Active", ""
    if decision == "NotAVictimOfTrafficking":
        status, reason = "Closed", "NotAVictim"
    else:
        roll = rng.random()
        closed_p, follow_p = ((0.35, 0.25) if age_days > 730 else (0.2, 0.25) if age_days > 365
                              else (0.05, 0.2) if age_days > 90 else (0.0, 0.0))
        if roll < closed_p:
            # Demo cases carry no rehabilitation plan, and closing "assistance completed" or
            # "returned" needs the plan's final review: the demo closes only for reasons that do not.
            if foreign:
                reason = "ReferredElsewhere"  # handed over for voluntary return
            else:
                reason = _weighted(rng, [("DeclinedFurtherAssistance", 45), ("LostContact", 35),
                                         ("ReferredElsewhere", 20)])
            status = "ClosedReferred" if reason == "ReferredElsewhere" else "Closed"
        elif roll < closed_p + follow_p:
            status = "FollowUp"

    # Notes: 0-3, neutral.
    pool = list(NOTES_COMMON)
    if foreign:
        pool += NOTES_FOREIGN * 2
    if abroad and notice == "consulate":
        pool += NOTES_ABROAD * 2
    if child:
        pool += NOTES_CHILD * 2
    if "ru" in person["languages"][:1]:
        pool += NOTES_RU
    notes = [{"author": rng.choice(staff), "text": text} for text in rng.sample(pool, rng.randint(0, 3))]
    if decision == "ActualVictimOfTrafficking" and rng.random() < 0.5:
        notes.append({"author": rng.choice(staff), "text": NOTES_ACTUAL[0]})

    return {
        "index": index,
        "profile": profile,
        "owner": owner,
        "opened_by": opened_by,
        "person": person,
        "case": {
            "first_contact_at": first_contact,
            "came_to_notice": notice,
            "scope": scope,
            "summary": summary,
            "acts": _acts(rng, moved),
            "means": means,
            "exploitation_forms": forms,
            "recruitment_channels": channels,
            "risk_factors": risks,
            "countries_of_origin": origin,
            "countries_of_recruitment": recruitment,
            "countries_of_exploitation": exploitation,
        },
        "events": events,
        "notes": notes,
        "decision": {"trafficking_status": decision, "by": DECIDER} if decision else None,
        "outcome": ({"status": status, "closure_reason": reason, "by": rng.choice(staff)}
                    if status != "Active" else None),
    }


def today_base():
    """Midnight (Asia/Baku) of today: the time base of a demo world built now (`nicat demo`), so that its
    deadlines fall today, soon, and a few in the past, whenever it is built."""
    now = datetime.datetime.now(BAKU)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def plan_world(seed=DEFAULT_SEED, cases=DEFAULT_CASES, start=0, time_base=None):
    """The demo world as plain data: institutions, users and `cases` synthetic cases.

    Pure and deterministic: the same (seed, cases, start, time_base) always gives an equal plan; the time
    base defaults to the constant TIME_BASE (`build_world` passes today's). Cases are
    numbers start .. start+cases-1 of the seed's sequence, ordered by first contact; `year` and
    `number` are the reference each case gets when the plan is applied to an empty database.
    """
    base = time_base or TIME_BASE
    planned = []
    decks = {}
    for index in range(start, start + cases):
        block, slot = divmod(index, BLOCK)
        if block not in decks:
            decks[block] = _block_decks(seed, block)
        profiles, owners = decks[block]
        planned.append(_plan_case(seed, index, profiles[slot], owners[slot], base))
    planned.sort(key=lambda c: (c["case"]["first_contact_at"], c["index"]))
    per_year = {}
    for c in planned:
        year = c["case"]["first_contact_at"].year
        per_year[year] = per_year.get(year, 0) + 1
        c["year"], c["number"] = year, per_year[year]
    return {
        "seed": seed,
        "time_base": base,
        "institutions": [dict(i) for i in INSTITUTIONS],
        "users": [dict(zip(("username", "role", "institution", "first_name", "last_name", "language"), u))
                  for u in USERS],
        "cases": planned,
    }


def is_child_case(planned):
    """Was the person under 18 at first contact?"""
    person, day = planned["person"], planned["case"]["first_contact_at"].date()
    if person["birth_date"]:
        return age_on(person["birth_date"], day) < 18
    return person["estimated_age"] is not None and person["estimated_age"] < 18


# --------------------------------------------------------------------------------------------
# Applying (writes through the services)
# --------------------------------------------------------------------------------------------

class Terms:
    """Vocabulary terms by (vocabulary, code), loaded once."""

    def __init__(self):
        from nicat.vocab.models import Term

        self._terms = {(t.vocabulary, t.code): t for t in Term.objects.all()}

    def __call__(self, vocabulary, code):
        try:
            return self._terms[(vocabulary, code)]
        except KeyError:
            raise LookupError(f"The vocabulary {vocabulary!r} has no code {code!r}; run `nicat migrate`.") from None

    def many(self, vocabulary, codes):
        return [self(vocabulary, c) for c in codes]


def ensure_institutions(plan, terms):
    """Create the institutions that are missing (found by code); existing ones are left as they are."""
    from nicat.directory.models import Institution

    created, result = 0, {}
    for spec in plan["institutions"]:
        spec = dict(spec)
        code = spec.pop("code")
        languages = spec.pop("languages")
        inst = Institution.objects.filter(code=code).first()
        if inst is None:
            spec["kind"] = terms("institution_kind", spec["kind"])
            spec["region"] = terms("region", spec["region"]) if spec.get("region") else None
            spec["country"] = terms("country", spec["country"]) if spec.get("country") else None
            inst = Institution.objects.create(code=code, **spec)
            inst.languages.set(terms.many("language", languages))
            created += 1
        result[code] = inst
    return result, created


# What each demo institution offers (directory), and the beds of the special institutions:
# the MIA shelter in Baku has about 50 beds for women, girls, men and boys (IOM; 54 in 2016).
SERVICES = {
    MAIN: ["identification", "investigation"],
    HOTLINE: ["interpretation"],
    SHELTER: ["shelter", "psychological", "medical"],
    CENTRE: ["psychological", "legal", "education", "vocational", "employment", "housing", "return"],
    NGO1: ["legal", "psychological"],
    NGO2: ["legal", "vocational"],
    MEDICAL: ["medical", "psychological"],
    INTERNATIONAL: ["return", "interpretation"],
    EMBASSY: ["return"],
}
FACILITIES = {
    SHELTER: ("shelter", {"women": 30, "men": 10, "children": 12}),
    CENTRE: ("assistance_centre", {"women": 8, "men": 4, "children": 0}),
}
STATE_BODIES = {MEDICAL: ["medical", "psychological"]}


def ensure_assistance(institutions, admin):
    """Directory services, shelter beds and the state bodies' services (idempotent)."""
    from nicat.assistance.models import Facility
    from nicat.assistance.services.plans import save_state_body
    from nicat.assistance.services.shelters import register_facility
    from nicat.directory.models import InstitutionService

    for code, kinds in SERVICES.items():
        for kind in kinds:
            InstitutionService.objects.get_or_create(institution=institutions[code], kind=kind)
    for code, (kind, capacity) in FACILITIES.items():
        if not Facility.objects.filter(institution=institutions[code]).exists():
            register_facility(actor=admin, institution=institutions[code], kind=kind, capacity=capacity)
    for code, kinds in STATE_BODIES.items():
        save_state_body(actor=admin, institution=institutions[code], service_kinds=kinds)


def ensure_users(plan, institutions, password):
    """Create the demo users that are missing (found by username) with `password`, and their
    memberships. Returns ({username: user}, [usernames created])."""
    from django.contrib.auth.hashers import make_password

    from nicat.accounts.models import Membership, User

    hashed = None
    users, created = {}, []
    for spec in plan["users"]:
        user = User.objects.filter(username=spec["username"]).first()
        if user is None:
            if hashed is None:
                hashed = make_password(password)  # one (slow, Argon2) hash for all new demo users
            is_admin = spec["role"] is None
            user = User.objects.create(
                username=spec["username"], password=hashed, first_name=spec["first_name"],
                last_name=spec["last_name"], email=f"{spec['username']}@demo.nicat.invalid",
                preferred_language=spec["language"], is_staff=is_admin, is_superuser=is_admin)
            created.append(user.username)
        if spec["role"]:
            Membership.objects.get_or_create(user=user, institution=institutions[spec["institution"]],
                                             role=spec["role"], defaults={"active": True})
        users[user.username] = user
    return users, created


def apply_cases(plan, users, terms):
    """Write the planned cases through the services; returns the cases in plan order."""
    from nicat.cases.models import CLOSED_STATUSES
    from nicat.cases.services import add_event, add_note, open_case, update_case

    m2m_vocab = {"acts": "act", "means": "means", "exploitation_forms": "exploitation",
                 "recruitment_channels": "recruitment_channel", "risk_factors": "risk_group",
                 "countries_of_origin": "country", "countries_of_recruitment": "country",
                 "countries_of_exploitation": "country"}
    created = []
    for planned in plan["cases"]:
        p = dict(planned["person"])
        p["gender"] = terms("gender", p["gender"])
        p["citizenships"] = terms.many("country", p["citizenships"])
        p["languages"] = terms.many("language", p["languages"])
        person_data = {k: v for k, v in p.items() if v not in (None, "")}
        c = dict(planned["case"])
        for name, vocab in m2m_vocab.items():
            c[name] = terms.many(vocab, c[name])
        actor = users[planned["opened_by"]]
        case = open_case(actor=actor, person_data=person_data, case_data=c)
        for event in planned["events"]:
            data = {k: v for k, v in event.items() if v not in (None, "")}
            if "country" in data:
                data["country"] = terms("country", data["country"])
            add_event(actor=actor, case=case, data=data)
        for note in planned["notes"]:
            add_note(actor=users[note["author"]], case=case, text=note["text"])
        if planned["decision"]:
            _record_decision(users[planned["decision"]["by"]], case, planned["decision"]["trafficking_status"])
        if planned["outcome"]:
            outcome = planned["outcome"]
            update_case(actor=users[outcome["by"]], case=case,
                        data={"status": outcome["status"], "closure_reason": outcome["closure_reason"]},
                        expected_version=case.version, closing=outcome["status"] in CLOSED_STATUSES)
        created.append(case)
    return created


def _record_decision(officer, case, trafficking_status):
    """The Main Department's decision, as in real use: the status changes only through it (docs/legal-rules.md)."""
    import datetime

    from nicat.cases.models import TraffickingStatus
    from nicat.core.calendar import baku_date, baku_today
    from nicat.identification.services import record_decision

    recognised = trafficking_status == TraffickingStatus.ACTUAL
    decided_on = min(baku_date(case.first_contact_at) + datetime.timedelta(days=21), baku_today())
    record_decision(actor=officer, case=case, expected_version=case.version, decision={
        "outcome": "recognised" if recognised else "not_recognised", "decided_on": decided_on,
        "reason": "" if recognised else "The inquiry found no act, means and purpose of trafficking.",
        "documents": [{"title": "Inquiry report", "date": decided_on, "reference": f"{case.reference}/MD"}]})


def world_present():
    from nicat.directory.models import Institution

    return Institution.objects.exists()


# The demo data of the apps, built after the synthetic cases of a new world: one line per app, a dotted
# path to `fn(world)` where world = {"today", "seed", "users", "institutions", "cases", "terms"} (today:
# midnight in Baku of the day the world is built). Each returns a small summary (printed by `nicat demo`).
EXTRAS = (
    "nicat.web.demo_living.living_world",   # shelter residents, consul and hotline cases, a waiting referral
    "nicat.work.demo.daily_work",           # assigned cases and tasks, so that "My work" shows something
)


def build_world(seed=DEFAULT_SEED, cases=DEFAULT_CASES, password=None, time_base=None):
    """Institutions and users (idempotent) and `cases` more synthetic cases, in one transaction, dated from
    `time_base` (default: today, midnight in Baku), then the apps' demo data (`EXTRAS`) on a new world.

    When the database already holds cases, the new ones continue the seed's sequence after them.
    Returns a dict with what was done.
    """
    from django.db import transaction
    from django.utils.module_loading import import_string

    from nicat.cases.models import Case
    from nicat.hotline.demo import ensure_hotline_demo
    from nicat.proceedings import demo as proceedings_demo
    from nicat.safety.demo import ensure_safety

    base = time_base or today_base()
    extras = {}
    with transaction.atomic():
        terms = Terms()
        start = Case.objects.system().count()  # whole table: new demo cases continue the seed's numbering after all stored
        plan = plan_world(seed, cases, start=start, time_base=base)
        institutions, inst_created = ensure_institutions(plan, terms)
        users, users_created = ensure_users(plan, institutions, password)
        ensure_assistance(institutions, users["admin"])
        from nicat.public.demo import ensure_public
        ensure_public(users["admin"])  # the embassies and consulates abroad (nicat/public/data/embassies.yaml)
        ensure_hotline_demo(institutions, users, HOTLINE)  # issue 16: a hotline supervisor and demo contacts
        created = apply_cases(plan, users, terms)
        ensure_safety(users)
        from nicat.safety.demo import assess_for_court
        proceedings_demo.build_case_in_court(users, institutions, before_appearance=assess_for_court)  # issue 17
        if start == 0:
            world = {"today": base, "seed": seed, "users": users, "institutions": institutions, "cases": created,
                     "terms": terms}
            for path in EXTRAS:
                extras[path.rsplit(".", 1)[-1]] = import_string(path)(world)
    return {"plan": plan, "institutions": institutions, "institutions_created": inst_created,
            "users": users, "users_created": users_created, "cases": created, "extras": extras}


def sign_ins():
    """(username, role, institution, exists) of the demo users, in the INTERFACES order."""
    from nicat.accounts.models import Membership, User

    rows = []
    for username, role, _code, *_ in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        if role is None:
            rows.append((username, "administrator" if user.is_superuser else "-", "—"))
            continue
        m = Membership.objects.filter(user=user, role=role).select_related("institution").first()
        rows.append((username, m.get_role_display() if m else role, m.institution.name_en if m else "—"))
    return rows


def one_time_code(username):
    """The code a demo user's authenticator would show now (development mode: `nicat otp`), or None when
    the user does not exist. The authenticator being enrolled is used when there is one (entering its code
    completes the enrolment); otherwise the user's confirmed one, enrolled now if they have none."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from nicat.accounts.models import User
    from nicat.accounts.services import TOTP_NAME

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        return None
    device = (TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
              or TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True))
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"
