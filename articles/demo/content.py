"""Invented demo content: every name, quote and event here is made up for the demo."""

SECTIONS = [
    ("World", "world", "Reporting from every continent, with the context behind the news."),
    ("Middle East", "middle-east", "From the Gulf to the Levant, in depth."),
    ("Africa", "africa", "Politics, business and culture across the continent."),
    ("Business", "business", "Markets, trade and the people who make them move."),
    ("Climate", "climate", "A warming world and how people live with it."),
    ("Opinion", "opinion", "Argument and analysis from our writers and guests."),
]

REGIONS = [
    "Iraq", "Syria", "Lebanon", "Jordan", "Yemen", "Kenya", "Sudan", "Nigeria",
    "Egypt", "Turkey", "Iran", "Ethiopia",
]  # fmt: skip

AUTHORS = [
    ("Amira Khalil", "Covers Iraqi and Kurdish politics from Erbil and Baghdad."),
    ("Daniel Okafor", "West Africa correspondent, based in Lagos."),
    ("Sofia Marchetti", "Writes about trade, energy and the economics of conflict."),
    ("Yusuf Demir", "Reports on Turkey and the eastern Mediterranean."),
    ("Hannah Mwangi", "Climate and environment reporter in Nairobi."),
    ("Tomás Alvarez", "Opinion editor and occasional columnist."),
    ("Leila Farouk", "Investigations desk; covers public money and who spends it."),
]

# (section slug, kind, region, headline, standfirst)
STORIES = [
    ("middle-east", "news", "Syria", "Aid convoys reach northern towns after three-week pause",
     "Trucks carrying flour and medicine crossed at dawn, local officials said."),
    ("world", "news", "Turkey", "Ferry operators strike over new port fees",
     "Crossings between the mainland and three islands were cancelled on Monday."),
    ("africa", "news", "Kenya", "Nairobi opens its first bus rapid transit line",
     "The long-delayed corridor promises to halve commuting times on the city's busiest road."),
    ("business", "news", "Nigeria", "Central bank holds rates as food prices climb",
     "Policymakers said they would wait for harvest data before acting."),
    ("climate", "news", "Ethiopia", "Farmers turn to drought-tolerant sorghum as rains fail again",
     "Seed cooperatives report record demand in the country's south."),
    ("middle-east", "analysis", "Lebanon", "Why Beirut's power cuts are getting longer",
     "Fuel contracts, unpaid bills and an ageing grid explain most of the darkness."),
    ("world", "news", "Iran", "Students return to campuses after winter closure",
     "Universities reopened with shortened timetables to save heating fuel."),
    ("africa", "news", "Sudan", "Mediators propose new ceasefire talks in neutral capital",
     "Both delegations have until the end of the month to respond."),
    ("business", "analysis", "Egypt", "The canal toll gamble: who pays when shipping reroutes",
     "Lower traffic has cut revenues sharply, but the effects reach far beyond Suez."),
    ("climate", "news", "Jordan", "Water utility trials solar-powered desalination plant",
     "The pilot near Aqaba could supply forty thousand homes if it is scaled up."),
    ("opinion", "opinion", "Iraq", "Reconstruction needs auditors as much as engineers",
     "Money that arrives without scrutiny leaves without a trace."),
    ("middle-east", "news", "Yemen", "Port of Hodeidah resumes fuel deliveries",
     "Tankers had waited offshore for eleven days for inspection clearance."),
    ("world", "news", "Turkey", "Earthquake-zone schools rebuilt to new safety code",
     "Inspectors signed off the first two hundred buildings this week."),
    ("africa", "news", "Nigeria", "Lagos tech hub wins funding for rural broadband",
     "The consortium plans to connect three hundred villages within two years."),
    ("business", "news", "Kenya", "Tea auction prices recover on strong Gulf demand",
     "Exporters say buyers returned after a slow autumn."),
    ("climate", "analysis", "Egypt", "Rising seas and the Nile Delta's disappearing farmland",
     "Salt is creeping into fields that have fed the country for millennia."),
    ("opinion", "opinion", "Lebanon", "A country cannot run on generators forever",
     "Private power is a symptom; the cure is a state that collects its bills."),
    ("middle-east", "news", "Jordan", "Refugee camp schools add afternoon shifts",
     "Teachers say classes of sixty pupils are now common."),
    ("world", "news", "Iran", "Carpet weavers' guild petitions for export relief",
     "Sales abroad have fallen by half in five years, the guild says."),
    ("africa", "news", "Ethiopia", "New dam reservoir reaches record level",
     "Engineers said two more turbines would be switched on before summer."),
    ("business", "news", "Turkey", "Textile exporters warn of orders moving east",
     "A stronger currency and higher wages are squeezing margins."),
    ("climate", "news", "Kenya", "Locust swarms contained early this season",
     "Drone spraying and better forecasts are credited with the success."),
    ("opinion", "opinion", "Sudan", "Peace talks fail when the people living the war are absent",
     "Civil society belongs at the table, not in the corridor."),
    ("middle-east", "news", "Iraq", "Basra oil workers win back pay after sit-in",
     "The settlement covers six months of delayed wages."),
    ("world", "analysis", "Syria", "Counting the returns: who goes home, and who cannot",
     "Property records, conscription and rent decide more than politics."),
    ("africa", "news", "Egypt", "Cairo metro extension carries its first passengers",
     "The new line links the eastern suburbs with the city centre."),
    ("business", "news", "Jordan", "Phosphate exports reach five-year high",
     "Higher fertiliser demand abroad lifted the sector's earnings."),
    ("climate", "news", "Iraq", "Marsh Arabs return as water flows back to the wetlands",
     "A wet winter refilled channels that had been dry for two years."),
    ("opinion", "opinion", "Turkey", "Cities built for cars will not survive the next heatwave",
     "Shade, trees and water are infrastructure too."),
    ("middle-east", "news", "Syria", "Aleppo's old souk reopens three more alleys",
     "Stonemasons have rebuilt vaults using salvaged blocks."),
    ("world", "news", "Yemen", "Cholera vaccination drive reaches coastal districts",
     "Health workers aim to vaccinate a million people by spring."),
    ("africa", "analysis", "Nigeria", "Why fuel subsidies are so hard to remove",
     "A policy everyone criticises has kept many households afloat."),
    ("business", "news", "Iraq", "Kurdistan region signs gas deal with regional buyers",
     "The agreement could end years of flaring at two northern fields."),
    ("climate", "news", "Sudan", "Flood warning system expanded along the Blue Nile",
     "Sirens and text alerts will now reach forty riverside villages."),
    ("opinion", "opinion", "Kenya", "Transit is the climate policy Nairobi can afford",
     "Every bus lane is worth a dozen summit pledges."),
    ("middle-east", "news", "Lebanon", "Fishermen in Tyre report returning sardine shoals",
     "A cooler spring may explain the rebound, marine biologists say."),
    ("world", "news", "Ethiopia", "Coffee cooperatives launch direct sales to roasters",
     "Growers hope to keep more of the price paid abroad."),
    ("africa", "news", "Kenya", "Court orders review of informal settlement evictions",
     "Judges said residents had not been consulted as the law requires."),
    ("business", "analysis", "Lebanon", "Banks, depositors and the long wait for a deal",
     "Four years on, savers still cannot reach most of their money."),
    ("climate", "news", "Turkey", "Wildfire crews trained in drone mapping",
     "The new teams will be stationed along the Aegean coast this summer."),
]  # fmt: skip

# Stories that carry an embed (shown as a click-to-load card): the words that introduce
# it, and its address. The video id is invented; the card works without loading it.
EMBEDS = {
    "Nairobi opens its first bus rapid transit line": (
        "<p>Our video follows the first bus of the morning along the new corridor, from the "
        "depot in the east of the city to the last stop in the centre.</p>",
        "https://www.youtube.com/watch?v=Nb7rT2kLq4w",
    ),
}

PARAGRAPHS = [
    "Officials in {region} said the decision followed weeks of talks with community "
    "leaders, contractors and donors, several of whom had warned that delays were costing "
    "families dearly.",
    "Residents we spoke to were cautious. “We have heard promises before,” said one "
    "shopkeeper, who asked not to be named. “We will believe it when we see it working.”",
    "The figures, published on Tuesday, show a steady change over the past three years, "
    "though analysts cautioned that the data from rural districts remain incomplete.",
    "Independent monitors have asked to see the contracts in full. A spokesperson said "
    "the documents would be released “in due course” once commercial terms were agreed.",
    "For many in {region}, the question is less whether the plan will work than who will "
    "pay for it if it does not. Previous schemes left a trail of unfinished projects.",
    "The ministry did not respond to a written request for comment by the time of publication.",
    "Aid groups welcomed the step but said it was only a start. Needs across the region "
    "have grown faster than funding for most of the past decade.",
    "Local journalists have documented similar problems in neighbouring provinces, where "
    "budgets approved in the capital rarely arrive in full.",
    "Economists point to a familiar pattern: costs rise faster than incomes, and "
    "households cut back on food and schooling first.",
    "Engineers involved in the project said the technical work was the easy part. Keeping "
    "the money flowing for maintenance, they said, is what decides whether it lasts.",
    "Opposition figures called the announcement a distraction from rising prices, while "
    "supporters described it as overdue.",
    "The next test comes in the spring, when the first full season of results will be "
    "published and compared with the targets set this year.",
]

REFERENCE = {
    "slug": "vice-president-says-reconstruction-funds-will-be-audited-in-public",
    "headline": "Vice President says reconstruction funds will be audited in public",
    "standfirst": (
        "Every contract for rebuilding the country's north will be published online, the "
        "Vice President said, after complaints that aid money was vanishing."
    ),
    "region": "Iraq",
    "regions": ["Iraq", "Syria"],
    "section": "world",
    "authors": ["Amira Khalil", "Leila Farouk"],
    # Text blocks (HTML) and the places of the quotes, the photo and the READ MORE link.
    "body": [
        "<p>The government will publish every reconstruction contract worth more than one "
        "million dollars, Vice President Karim al-Naseri said on Wednesday, in a move aimed "
        "at calming donors who have grown uneasy about where their money goes.</p>",
        "<p>Speaking at a press conference in the capital, al-Naseri said an online register "
        "would list each contract, its value, the company awarded it and the progress of "
        "the work, updated every month.</p>",
        ("quote", 0),
        "<p>Donor governments have pledged several billion dollars for housing, schools and "
        "water networks in the north since fighting ended there. Auditors from two "
        "international agencies said last year that they could trace only part of that "
        "spending to finished projects.</p>",
        ("readmore",),
        "<p>Civil society groups welcomed the announcement but asked for independent "
        "verification. Samira Yousef, who leads a transparency coalition in Mosul, said "
        "publication alone would not be enough.</p>",
        ("quote", 1),
        ("photo",),
        "<p>The register is due to go live within ninety days. Contractors who fail to "
        "report progress will be barred from new tenders, the Vice President said.</p>",
        "<p>Residents of the city's old quarter, where many homes remain roofless, were "
        "sceptical. Several said they had seen surveyors come and go without any building "
        "work following.</p>",
    ],
    "quotes": [
        (
            "Every dinar and every dollar spent on rebuilding our cities belongs to the "
            "people who live in them. They have the right to see where it went.",
            "Karim al-Naseri",
            "Iraq's Vice President",
        ),
        (
            "A list of contracts is a beginning. What people need is someone independent "
            "walking the sites and checking that the school on the paper is a school on "
            "the ground.",
            "Samira Yousef",
            "director of the Mosul Transparency Coalition",
        ),
    ],
    "correction": (
        "An earlier version of this article said the register would be updated every week. "
        "It will be updated every month."
    ),
}

# The site's own pages: (title, slug, in the navigation, in the footer, body). The slugs
# match the defaults of SUPPORT_CTA_URL ("/support/") and PUBLISHING_PRINCIPLES ("ethics").
PAGES = [
    ("About us", "about", True, True,
     "<p>The Meridian Ledger is an independent newsroom reporting from the regions that "
     "rarely lead the evening bulletins: the towns past the end of the paved road, the "
     "ports that move a country's grain, the ministries whose budgets nobody reads.</p>"
     "<p>Our correspondents live where they report. They speak the languages, know the "
     "officials and, just as often, know the people the officials forget. Editors in "
     "three time zones check every story before it goes out.</p>"
     "<h2>Who pays for it</h2>"
     "<p>Readers do. We take no money from governments or political parties, and no "
     "advertiser sees a story before it is published.</p>"),
    # Linked by the site's own "Support us" (SUPPORT_CTA_URL) in the masthead, on every
    # article and in the footer: not linked a second time.
    ("Support us", "support", False, False,
     "<p>Reporting from places others forget costs more than reporting from a capital: "
     "long journeys, local fixers, translators, and the time it takes to earn trust.</p>"
     "<p>A monthly contribution of any size keeps our correspondents in the field and "
     "our pages free for everyone to read, with no paywall.</p>"
     "<h2>How to give</h2>"
     "<ul><li>A monthly contribution by card or bank transfer.</li>"
     "<li>A single gift, for a story that mattered to you.</li>"
     "<li>Telling a friend about a story they would otherwise have missed.</li></ul>"
     "<p>Write to <a href=\"mailto:support@example.org\">support@example.org</a> and we "
     "will reply within two working days.</p>"),
    ("Ethics & corrections policy", "ethics", False, True,
     "<p>We report what we can verify, say how we know it, and name our sources unless "
     "naming them would put someone in danger. When we cannot name a source, we say "
     "why.</p>"
     "<h2>Independence</h2>"
     "<p>Our reporters accept no gifts, paid travel or favours from the people they "
     "cover. Opinion pieces are marked as opinion and never mixed with reporting.</p>"
     "<h2>Corrections</h2>"
     "<p>When we get something wrong we correct it, at the end of the article, with the "
     "date and what changed. Every correction is also listed on our corrections page. "
     "We do not quietly rewrite published stories.</p>"
     "<p>To report an error, write to "
     "<a href=\"mailto:corrections@example.org\">corrections@example.org</a>.</p>"),
    ("Contact", "contact", False, True,
     "<p>Tips, corrections, questions about a story, or a pitch for our opinion pages: "
     "we read everything that reaches us.</p>"
     "<ul><li>News desk: <a href=\"mailto:news@example.org\">news@example.org</a></li>"
     "<li>Corrections: <a href=\"mailto:corrections@example.org\">"
     "corrections@example.org</a></li>"
     "<li>Opinion: <a href=\"mailto:opinion@example.org\">opinion@example.org</a></li>"
     "</ul>"
     "<p>If what you want to tell us could put you at risk, say so in your first message "
     "and do not send documents until we have agreed how.</p>"),
    ("Privacy", "privacy", False, True,
     "<p>We collect as little about readers as we can. Reading this site needs no "
     "account and sets no tracking cookies.</p>"
     "<h2>Comments and newsletters</h2>"
     "<p>When you comment we keep the name and e-mail address you give, and the address "
     "your comment came from, to fight spam and abuse. Your e-mail address is never "
     "shown. Newsletters go only to addresses that confirmed they want them.</p>"
     "<h2>Your data</h2>"
     "<p>You can download or erase everything we hold about your e-mail address from the "
     "“Your data” page linked at the foot of every page.</p>"),
]  # fmt: skip
