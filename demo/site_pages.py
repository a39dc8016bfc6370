"""The demo region's own pages: accessibility statement, easy language, imprint and
privacy notice of the fictional Landkreis Auental (titles in every site language,
text in German and English, the statement also in Arabic)."""

from datetime import date, timedelta

from directory.models import AccessibilityStatementPage, HomePage, InformationPage

OFFICE = "Landkreis Auental\nIntegrationsbüro\nMarktplatz 1\n12345 Auenstadt"
OFFICE_EN = "District of Auental\nIntegration office\nMarktplatz 1\n12345 Auenstadt"
FEEDBACK_EMAIL = "barrierefreiheit@auental.example"

TITLES = {
    "accessibility": {
        "de": "Erklärung zur Barrierefreiheit",
        "en": "Accessibility statement",
        "ar": "بيان إمكانية الوصول",
        "uk": "Заява про доступність",
        "ru": "Заявление о доступности",
        "fa": "بیانیه دسترس‌پذیری",
        "tr": "Erişilebilirlik beyanı",
        "fr": "Déclaration d'accessibilité",
        "ps": "د لاسرسي بیانیه",
        "ckb": "ڕاگەیاندنی دەستڕاگەیشتن",
        "ti": "መግለጺ ተበጻሕነት",
    },
    InformationPage.Kind.EASY_LANGUAGE: {
        "de": "Leichte Sprache",
        "en": "Easy language: about this website",
        "ar": "لغة سهلة: عن هذا الموقع",
        "uk": "Проста мова: про цей сайт",
        "ru": "Простой язык: об этом сайте",
        "fa": "زبان ساده: درباره این وب‌سایت",
        "tr": "Kolay dil: Bu site hakkında",
        "fr": "Langage simple : à propos de ce site",
        "ps": "اسانه ژبه: د دې ویب پاڼې په اړه",
        "ckb": "زمانی ئاسان: دەربارەی ئەم ماڵپەڕە",
        "ti": "ቀሊል ቋንቋ፡ ብዛዕባ እዚ መርበብ ሓበሬታ",
    },
    InformationPage.Kind.IMPRINT: {
        "de": "Impressum",
        "en": "Legal notice",
        "ar": "بيانات الناشر",
        "uk": "Вихідні дані",
        "ru": "Выходные данные",
        "fa": "اطلاعات ناشر",
        "tr": "Künye",
        "fr": "Mentions légales",
        "ps": "د خپرونکي معلومات",
        "ckb": "زانیاریی بڵاوکەرەوە",
        "ti": "ሓበሬታ ኣሕታሚ",
    },
    InformationPage.Kind.PRIVACY: {
        "de": "Datenschutzerklärung",
        "en": "Privacy notice",
        "ar": "سياسة الخصوصية",
        "uk": "Політика конфіденційності",
        "ru": "Политика конфиденциальности",
        "fa": "حریم خصوصی",
        "tr": "Gizlilik bildirimi",
        "fr": "Politique de confidentialité",
        "ps": "د محرمیت خبرتیا",
        "ckb": "سیاسەتی تایبەتمەندی",
        "ti": "ፖሊሲ ምስጢራውነት",
    },
}


def _p(html: str) -> tuple[str, str]:
    return ("paragraph", html)


def _h(text: str) -> tuple[str, str]:
    return ("heading", text)


def _picto(name: str, *lines: str) -> tuple[str, dict]:
    return ("pictogram_sentences", {"pictogram": name, "sentences": "\n".join(lines)})


def _word(word: str, *lines: str) -> tuple[str, dict]:
    return ("explained_word", {"word": word, "explanation": "\n".join(lines)})


EASY_INTRO = {
    "de": "Hier erklären wir dir den Wegweiser in Leichter Sprache.",
    "en": "Here we explain the Wegweiser in easy language.",
}
EASY_BODY = {
    "de": [
        _h("Was ist der Wegweiser?"),
        _picto(
            "help",
            "Der Wegweiser ist eine Internet·seite.",
            "Die Seite ist für Menschen aus anderen Ländern.",
            "Zum Beispiel für Geflüchtete.",
            "Hier findest du Hilfe im Landkreis Auental.",
        ),
        _word(
            "Angebot",
            "Ein Angebot ist eine Hilfe für dich.",
            "Zum Beispiel: ein Deutsch·kurs.",
            "Oder eine Beratung.",
        ),
        _h("So findest du Hilfe"),
        _picto(
            "search",
            "Oben auf der Seite ist ein Such·feld.",
            "Schreib ein Wort in das Such·feld.",
            "Zum Beispiel: Deutsch·kurs.",
            "Drück dann auf: Suche.",
            "Dann siehst du passende Angebote.",
        ),
        _picto(
            "language",
            "Du kannst die Seite in vielen Sprachen lesen.",
            "Oben auf der Seite steht: Sprache.",
            "Dort wählst du deine Sprache.",
        ),
        _picto(
            "place",
            "Bei jedem Angebot steht ein Ort.",
            "Dort steht die Adresse.",
            "Dort steht auch: Wann ist geöffnet?",
        ),
        _picto(
            "calendar",
            "Für manche Angebote brauchst du einen Termin.",
            "Dann steht dort: nur mit Termin.",
        ),
        _word(
            "Termin",
            "Du machst eine Zeit aus.",
            "Zu dieser Zeit gehst du zu dem Angebot.",
        ),
        _picto(
            "phone",
            "Du hast eine Frage?",
            "Ruf bei der Beratungs·stelle an.",
            "Die Telefon·nummer steht bei dem Angebot.",
        ),
        _word(
            "Beratungs·stelle",
            "In einer Beratungs·stelle arbeiten Menschen.",
            "Diese Menschen beantworten deine Fragen.",
            "Zum Beispiel zu Arbeit oder Wohnung.",
            "Die Beratung kostet meistens kein Geld.",
        ),
        _h("Neuigkeiten und Hilfe"),
        _picto(
            "newsletter",
            "Du möchtest Neuigkeiten bekommen?",
            "Dann melde dich für den Newsletter an.",
            "Du bekommst dann E-Mails mit neuen Angeboten.",
            "Du kannst den Newsletter jeder·zeit abbestellen.",
            "Dann bekommst du keine E-Mails mehr.",
        ),
        _picto(
            "help",
            "Etwas auf der Seite ist schwer für dich?",
            "Bitte schreib uns.",
            "Das geht auf der Seite: Erklärung zur Barriere·freiheit.",
            "Der Link ist ganz unten auf jeder Seite.",
        ),
    ],
    "en": [
        _h("What is the Wegweiser?"),
        _picto(
            "help",
            "The Wegweiser is a website.",
            "It is for people from other countries.",
            "For example, for refugees.",
            "Here you find help in the district of Auental.",
        ),
        _word(
            "Offer",
            "An offer is help for you.",
            "For example: a German course.",
            "Or counselling.",
        ),
        _h("How to find help"),
        _picto(
            "search",
            "At the top of the page is a search box.",
            "Write a word in the search box.",
            "For example: German course.",
            "Then press: Search.",
            "You then see offers that fit.",
        ),
        _picto(
            "language",
            "You can read the website in many languages.",
            "At the top of the page it says: Language.",
            "There you choose your language.",
        ),
        _picto(
            "place",
            "Every offer has a place.",
            "You see the address there.",
            "You also see when it is open.",
        ),
        _picto(
            "calendar",
            "Some offers need an appointment.",
            "Then it says: by appointment only.",
        ),
        _word(
            "Appointment",
            "You agree on a time.",
            "At this time you go to the offer.",
        ),
        _picto(
            "phone",
            "You have a question?",
            "Call the counselling centre.",
            "The phone number is on the offer's page.",
        ),
        _word(
            "Counselling centre",
            "People work in a counselling centre.",
            "They answer your questions.",
            "For example about work or a flat.",
            "Counselling is mostly free.",
        ),
        _h("News and help"),
        _picto(
            "newsletter",
            "You want to get news?",
            "Sign up for the newsletter.",
            "You then get emails with new offers.",
            "You can stop the newsletter at any time.",
            "Then you get no more emails.",
        ),
        _picto(
            "help",
            "Something on the website is hard for you?",
            "Please write to us.",
            "You can do this on the page: Accessibility statement.",
            "The link is at the very bottom of every page.",
        ),
    ],
}

IMPRINT_BODY = {
    "de": [
        _p(
            "<p>Dies ist eine Demo mit erfundenen Angaben. Den Landkreis Auental "
            "gibt es nicht.</p>"
        ),
        _h("Herausgeber"),
        _p(
            "<p>Landkreis Auental<br/>vertreten durch die Landrätin Dr. Maria "
            "Beispiel<br/>Marktplatz 1<br/>12345 Auenstadt</p>"
            "<p>Telefon: 0123 4567-0<br/>E-Mail: "
            '<a href="mailto:info@auental.example">info@auental.example</a></p>'
        ),
        _h("Verantwortlich für den Inhalt"),
        _p(
            "<p>Integrationsbüro des Landkreises Auental, Leitung: Jonas Muster, "
            "Marktplatz 1, 12345 Auenstadt.</p><p>Die Angebote tragen die Träger "
            "ein, die sie anbieten; für ihren Inhalt sind sie verantwortlich.</p>"
        ),
        _h("Umsatzsteuer-Identifikationsnummer"),
        _p("<p>DE 000 000 000 (Demo)</p>"),
    ],
    "en": [
        _p(
            "<p>This is a demo with made-up details. The district of Auental does "
            "not exist.</p>"
        ),
        _h("Publisher"),
        _p(
            "<p>District of Auental<br/>represented by the District Administrator "
            "Dr Maria Beispiel<br/>Marktplatz 1<br/>12345 Auenstadt, Germany</p>"
            "<p>Phone: +49 123 4567-0<br/>Email: "
            '<a href="mailto:info@auental.example">info@auental.example</a></p>'
        ),
        _h("Responsible for the content"),
        _p(
            "<p>Integration office of the district of Auental, head: Jonas Muster, "
            "Marktplatz 1, 12345 Auenstadt.</p><p>The offers are entered by the "
            "agencies that run them; they are responsible for their content.</p>"
        ),
    ],
}

PRIVACY_BODY = {
    "de": [
        _h("Wer ist verantwortlich?"),
        _p(
            "<p>Landkreis Auental, Marktplatz 1, 12345 Auenstadt. Unsere "
            "Datenschutzbeauftragte erreichst du unter "
            '<a href="mailto:datenschutz@auental.example">datenschutz@auental.example'
            "</a>.</p>"
        ),
        _h("Wenn du die Seite liest"),
        _p(
            "<p>Unser Server protokolliert, welche Seite wann abgerufen wurde – nur um "
            "Fehler und Angriffe zu erkennen. Wir "
            "setzen keine Cookies für Statistik oder Werbung und laden nichts von "
            "anderen Anbietern (keine Schriften, Karten oder Videos von Dritten).</p>"
            "<p>Nur die Seite mit dem Formular für Rückmeldungen setzt ein Cookie; es "
            "schützt vor gefälschten Anfragen.</p>"
        ),
        _h("Newsletter"),
        _p(
            "<p>Für den Newsletter speichern wir deine E-Mail-Adresse, deine Sprachen "
            "und Themen und wann du zugestimmt hast. Du bestätigst die Anmeldung "
            "über einen Link. Mit dem Link in jedem Newsletter meldest du dich ab; "
            "dann löschen wir deine Adresse.</p>"
        ),
        _h("Rückmeldung zur Barrierefreiheit"),
        _p(
            "<p>Was du uns über das Formular schreibst, lesen die Mitarbeitenden "
            "des Integrationsbüros. Name und E-Mail-Adresse sind freiwillig. Wir "
            "löschen die Nachricht, wenn sie erledigt ist.</p>"
        ),
        _h("Deine Rechte"),
        _p(
            "<p>Du kannst Auskunft über deine Daten verlangen, sie berichtigen oder "
            "löschen lassen und der Verarbeitung widersprechen (Art. 15 bis 21 "
            "DSGVO). Du kannst dich bei der Datenschutz-Aufsichtsbehörde des Landes "
            "beschweren.</p>"
        ),
    ],
    "en": [
        _h("Who is responsible?"),
        _p(
            "<p>District of Auental, Marktplatz 1, 12345 Auenstadt, Germany. You "
            "reach our data protection officer at "
            '<a href="mailto:datenschutz@auental.example">datenschutz@auental.example'
            "</a>.</p>"
        ),
        _h("When you read the website"),
        _p(
            "<p>Our server logs which page was requested when – only to find errors "
            "and attacks. We set no "
            "cookies for statistics or advertising and load nothing from other "
            "providers (no fonts, maps or videos of third parties).</p>"
            "<p>Only the page with the feedback form sets a cookie; it protects "
            "against forged requests.</p>"
        ),
        _h("Newsletter"),
        _p(
            "<p>For the newsletter we store your email address, your languages and "
            "topics, and when you agreed. You confirm the sign-up with a link. The "
            "link in every newsletter unsubscribes you; we then delete your "
            "address.</p>"
        ),
        _h("Accessibility feedback"),
        _p(
            "<p>What you write to us through the form is read by the staff of the "
            "integration office. Name and email address are optional. We delete "
            "the message once it is dealt with.</p>"
        ),
        _h("Your rights"),
        _p(
            "<p>You can ask what data we hold about you, have it corrected or "
            "deleted, and object to its processing (Art. 15 to 21 GDPR). You can "
            "complain to the state's data protection authority.</p>"
        ),
    ],
}

STATEMENT = {
    "scope": {
        "de": "Diese Erklärung gilt für die Internetseite „Wegweiser Landkreis "
        "Auental“ (www.wegweiser-auental.example). Der Landkreis Auental bemüht "
        "sich, sie barrierefrei zugänglich zu machen, wie es das Gesetz für "
        "öffentliche Stellen verlangt (BGG und BITV 2.0).",
        "en": "This statement covers the website “Wegweiser Landkreis Auental” "
        "(www.wegweiser-auental.example). The district of Auental aims to make it "
        "accessible, as the German Disability Equality Act and the accessibility "
        "regulation (BITV 2.0) require.",
        "ar": "ينطبق هذا البيان على موقع «دليل منطقة آوئنتال» "
        "(www.wegweiser-auental.example). تسعى منطقة آوئنتال إلى جعله متاحًا "
        "للجميع وفقًا لقانون المساواة لذوي الإعاقة ولائحة إمكانية الوصول (BITV 2.0).",
    },
    "known_barriers": {
        "de": "<ul><li>Einige Dokumente der Träger (PDF) sind nicht barrierefrei. "
        "Frag den Träger nach dem Inhalt; er hilft dir am Telefon oder "
        "per E-Mail.</li><li>Viele Angebote sind nur auf Deutsch beschrieben. "
        "Die Seite sagt dir, wenn ein Text nicht übersetzt ist.</li><li>Es gibt "
        "noch keine Videos in Deutscher Gebärdensprache.</li></ul>",
        "en": "<ul><li>Some documents of the agencies (PDF) are not accessible. "
        "Ask the agency about their content; they help you by phone or email."
        "</li><li>Many offers are described in German only. The site tells you "
        "when a text is not translated.</li><li>There are no videos in German "
        "Sign Language yet.</li></ul>",
        "ar": "<ul><li>بعض مستندات الجهات (PDF) غير متاحة لذوي الإعاقة. اسأل الجهة "
        "عن محتواها؛ ستساعدك عبر الهاتف أو البريد الإلكتروني.</li><li>كثير من "
        "العروض موصوفة باللغة الألمانية فقط. يخبرك الموقع عندما لا يكون النص "
        "مترجمًا.</li><li>لا توجد حتى الآن مقاطع فيديو بلغة الإشارة الألمانية."
        "</li></ul>",
    },
    "method": {
        "de": "Selbstbewertung: automatische Tests jeder Seitenart und Prüfung mit "
        "Screenreader und Tastatur.",
        "en": "Self-assessment: automatic tests of every kind of page and checks "
        "with a screen reader and the keyboard.",
        "ar": "تقييم ذاتي: اختبارات آلية لكل نوع من الصفحات وفحص بقارئ الشاشة "
        "ولوحة المفاتيح.",
    },
    "feedback_contact": {"de": OFFICE, "en": OFFICE_EN},
    "enforcement_text": {
        "de": "<p>Die Schlichtungsstelle hilft, einen Streit über Barrieren ohne "
        "Gericht zu lösen. Du kannst dich dort melden, wenn du auf deine "
        "Rückmeldung keine oder keine zufriedenstellende Antwort bekommen hast.</p>",
        "en": "<p>The conciliation body helps to settle a dispute about barriers "
        "without going to court. Turn to it if you received no answer to your "
        "feedback, or no satisfying one.</p>",
        "ar": "<p>تساعد هيئة التوفيق على حل الخلاف حول العوائق دون اللجوء إلى "
        "المحكمة. يمكنك التوجه إليها إذا لم تتلقَّ ردًا على ملاحظتك، "
        "أو لم يكن الرد مرضيًا.</p>",
    },
}


def _translations(field: str, texts: dict) -> dict:
    return {f"{field}_{code}": text for code, text in texts.items()}


def site_pages_seed(*, home: HomePage, today: date | None = None) -> int:
    """Adds the four site pages below ``home``; returns how many."""
    today = today or date.today()
    statement = AccessibilityStatementPage(
        slug="barrierefreiheit",
        compliance=AccessibilityStatementPage.Compliance.PARTIAL,
        prepared_on=today - timedelta(days=120),
        reviewed_on=today - timedelta(days=14),
        feedback_email=FEEDBACK_EMAIL,
        feedback_phone="0123 4567-100",
        **_translations("title", TITLES["accessibility"]),
        **{
            key: value
            for field, texts in STATEMENT.items()
            for key, value in _translations(field, texts).items()
        },
    )
    home.add_child(instance=statement)
    pages: list[tuple[str, str, dict, dict]] = [
        (InformationPage.Kind.EASY_LANGUAGE, "leichte-sprache", EASY_INTRO, EASY_BODY),
        (InformationPage.Kind.IMPRINT, "impressum", {}, IMPRINT_BODY),
        (InformationPage.Kind.PRIVACY, "datenschutz", {}, PRIVACY_BODY),
    ]
    for kind, slug, intro, body in pages:
        home.add_child(
            instance=InformationPage(
                slug=slug,
                kind=kind,
                **_translations("title", TITLES[kind]),
                **_translations("intro", intro),
                **_translations("body", body),
            )
        )
    return 1 + len(pages)
