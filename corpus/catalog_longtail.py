"""Long-tail SaaS providers: keys with no prefix and no documented structure.

Hundreds of APIs hand out a bare random string (24-64 letters and digits) as
the key. Such a string is only that provider's credential when the
provider's name is next to it, so each provider gets one rule that needs the
name as a word of its own, on the value's line and at most 40 characters
before it (or in the tag of the XML element that holds it) (``pixabay_key = ...``, ``PIXABAY_TOKEN: ...``; not inside an
e-mail address, and for a name that is also an everyday word only with a
credential word after it), and the value to look generated: letters and
digits mixed, no placeholder, the provider's documented length and alphabet
where it publishes one. The confidence is medium and the description says
how the key was identified: the format itself is not checked. A provider
with a structured format has its own rule in ``catalog_providers`` /
``catalog`` instead, and wins over these on the same span.

The names were collected by reading the peers' detector lists (trufflehog,
kingfisher); the rule shape is leakwarden's own, one for all of them.
"""

from __future__ import annotations

import re
import string

from corpus.fakegen import B62, Alphabet
from corpus.spec import SAME_KEY, SPECS, Spec, name_gate

PROVIDERS = """
    8x8 abstract abuseipdb abyssale adafruitio adzuna aeroworkflow aha airbrake airship airvisual
    aiven alconost alegra aletheiaapi alienvault allsports amadeus ambee amplitude anypoint apacta
    api2cart apideck apiflash apifonica apify apilayer apimatic apimetrics apitemplate apollo
    appcues appfollow appointedd appoptics appsynergy apptivo artsy assemblyai atera audd autodesk
    autoklose autopilot avaza aviationstack axonaut aylien ayrshare bannerbear baremetrics beebole
    besnappy besttime betterstack billomat bitbar bitcoinaverage bitfinex bitly bitmex blazemeter
    blitapp blocknative blynk bombbomb boostnote borgbase braintree braintrust brandfetch
    browserstack browshot bscscan buddyns budibase bugherd bugsnag bulbul bulksms buttercms caflou
    calendarific calendly calorieninja campayn capsulecrm carboninterface cashboard caspio censys
    centralstationcrm cexio chartmogul chatbot chatfuel checklyhq checkvist cicero clarifai clearbit
    clicksendsms clickup cliengo clientary clinchpad clockify clockworksms cloudconvert
    cloudelements cloudimage cloudinary cloudmersive cloudplan cloudsight cloudsmith cloverly cloze
    clustdoc codacy codeclimate codemagic codequiry coinapi coinlayer coinlib collect2 commercejs
    commodities companyhub conversiontools convertapi convertkit copper countrylayer coveralls
    craftmypdf crowdin cryptocompare currencycloud currencyfreaks currencylayer currencyscoop
    currentsapi customerguru customerio d7network dailyco dandelion dareboost databox datagov
    debounce deepai deepgram delighted demio deputy detectify detectlanguage dfuse diffbot
    diggernaut disqus dnscheck docparser docsearch documo docusign dovico dronahq duosecurity duply
    dwolla dynalist dyspatch eagleeyenetworks easyinsight ecostruxureit edamam edenai elasticemail
    elevenlabs enablex enigma envoy eraser etherscan ethplorer eventbrite everhour exchangerate
    exchangerateapi exchangerates exchangeratesapi exportsdk extractorapi faceplusplus fastforex
    feedier fetchrss fileio finage financialmodelingprep fixerio flatio fleetbase flightapi
    flightlabs flightstats flowflu fmfw formbucket formcraft formio formsite foursquare freshdesk
    freshworks fulcrum fullstory fxmarket geckoboard geoapify geocode geocodify geocodio getemails
    getgeoapi getgist getresponse getsandbox glassnode gocanvas goodday graphcms graphhopper
    groovehq gtmetrix guardianapi gumroad gyazo happyscribe harvest hasura hellosign helpcrunch
    helpscout hereapi hiveage holidayapi holistic honeycomb html2pdf humanity hunterio hybiscus
    hypertrack iconfinder iexapis iexcloud imagekit imagga impala infura insightly instabot
    instamojo interseller intrinio invoiceocean ip2location ipapi ipgeolocation ipinfo ipinfodb
    ipquality ipstack jotform jumpcloud jupiterone juro kanbantool karmacrm keenio kickbox klaviyo
    klipfolio knapsackpro kontent kylas languagelayer larksuite leadfeeder lemlist lemonsqueezy
    lendflow lessannoyingcrm linenotify linkpreview liveagent livestorm loadmill locationiq loggly
    loginradius logzio lokalise loyverse lunchmoney luno m3o madkudu magicbell mailboxlayer
    mailerlite mailjet mailmodo mailsac mapquest marketstack mavenlink meaningcloud mediastack
    meistertask mesibo metaapi metabase metrilo mindmeister miro mixmax mixpanel mockaroo
    monkeylearn moonclerk moosend moralis mrticktock myintervals nasdaqdatalink netcore nethunt
    netsuite neutrinoapi newsapi newscatcher nexmo nftport ngrok nicereply nightfall nimble
    noticeable nozbe numverify nutritionix nvapi nylas oanda omnisend onedesk onelogin onepagecrm
    onesignal onfleet oopspam opencagedata openuv openweather opsgenie optimizely overloop owlbot
    packagecloud pagarme pandadoc pandascore paperform paralleldots parsehub parseur partnerstack
    pastebin paydirtapp paymoapp paymongo pdflayer pdfshift peopledatalabs pepipost percy photoroom
    pinata pipedream pipedrive pivotal pixabay planview planyo plivo podio pollsapi poloniex polygon
    positionstack postageapp postbacks posthog powrbot prodpad prospectcrm protocolsio proxycrawl
    psexec pubnub purestake pushbullet pyxis qase qualaroo qubole railway raven rawg reachmail
    reallysimplesystems rebrandly recaptcha refiner rentman repairshopr replyio requestfinance
    restpack revampcrm ringcentral ritekit roaring rocketreach route4me runrunit runscope salesblink
    salescookie salesflare salesmate satismeter scalr scrapeowl scraperapi scraperbox scrapestack
    scrapfly scrapingant scrapingbee screenshotapi screenshotlayer scrutinizer securitytrails
    selectpdf semaphore serphouse serpstack sheety sherpadesk shipday shodan shortcut shotstack
    shutterstock signalwire signaturit signupgenius sigopt simfin simplesat simplynoted simvoly
    sinch siteleaf skrapp skybiometry smartsheet smartystreets smooch snipcart solarwinds sparkpost
    speechtext speechtextai splunk spoonacular sportsmonk spotify sslmate stackhawk statuscake
    statuspage statuspal stitchdata stockdata storecove stormboard stormglass storyblok storychief
    strava streak stytch sugester supernotes surveyanyplace surveybot surveysparrow survicate swell
    swiftype tableau tailscale tallyfy tatumio taxjar teamgate teamwork technicalanalysisapi tefter
    teletype telnyx testingbot textanywhere textmagic theoddsapi thingsboard thinkific thousandeyes
    ticketmaster tickettailor tiingo timecamp timezoneapi tmetric todoist toggl tomorrowio tomtom
    tradier transferwise travelpayouts twelvedata twist tyntec typetalk ubidots uclassify unifyid
    unplugg unsplash upcdatabase uplead uploadcare uptimerobot upwave urlscan userflow userstack
    vatlayer vbout verimail veriphone versioneye virustotal visualcrossing voiceflow voicegain
    voodoosms vouchery vpnapi vultr vyte walkscore wandb weatherbit weatherstack web3storage webex
    webflow webscraper webscraping websitepulse weightsandbiases wepay whoxy wistia witai wiz
    worksnaps workstack worldcoinindex worldweather wrike yelp youneedabudget yousign zenkit zenrows
    zenscrape zenserp zeplin zerobounce zerotier zipbooks zipcodeapi zipcodebase zohocrm zonka zulip
""".split()

# Provider names that are also everyday words (or common words in code): they
# count only with a credential word after them on the line (``TABLEAU_TOKEN``,
# not "a tableau of results").
COMMON_WORDS = {
    "abstract", "aha", "airship", "apollo", "artsy", "autopilot", "chatbot", "cicero", "cloze",
    "collect2", "commodities", "copper", "coveralls", "dandelion", "debounce", "delighted", "deputy",
    "dnscheck", "enigma", "envoy", "eraser", "everhour", "fileio", "fixerio", "fulcrum", "geocode",
    "goodday", "groovehq", "harvest", "holistic", "honeycomb", "humanity", "hunterio", "impala",
    "kickbox", "lunchmoney", "netcore", "nightfall", "nimble", "noticeable", "pastebin", "percy",
    "pinata", "pipedream", "pivotal", "polygon", "psexec", "railway", "raven", "refiner", "roaring",
    "scrutinizer", "semaphore", "shortcut", "smooch", "speechtext", "streak", "swell", "tableau",
    "teamwork", "teletype", "tomtom", "twist", "webscraper", "witai", "wiz",
}

# The value stands alone on the name's line: it starts right after a quote,
# space, "=", ":" or bracket and ends at a quote, space or separator. A
# "token" glued to "?", "/" or "*" is part of a URL or a malformed string,
# not a key someone pasted.
_BEFORE = SAME_KEY + r"""(?<=[\s"'`=:,(>\[|])"""
# The label right before the value names an id, a user or an address, not
# the key: "Using apptivo ID=...", "tableau_user: ...".
_NOT_LABEL = (r"""(?<!(?:(?<![A-Za-z])(?i:id)|(?<=[a-z])Id|(?i:user(?:name)?|login|e-?mail|url|uri|host|domain|"""
              r"""account|org))\s{0,3}["'`]?\s{0,3}(?:=|:=|:|=>)\s{0,3}["'`]?)""")
_VALUE = (r"(?=[A-Za-z_-]*[0-9])(?=[0-9_-]*[A-Za-z])"  # letters and digits mixed
          r"[A-Za-z0-9][A-Za-z0-9_-]{15,99}"
          # Many providers issue JWTs (checked by the rule's validator).
          r"(?:\.[A-Za-z0-9_-]{8,}){0,2}={0,2}")
_AFTER = r"""(?=["'`\s,;&)<>\]|\\]|$)"""  # a backslash: an escaped quote or newline
# Documented key shapes (character class, shortest, longest) of the providers
# that publish one; the others get the generic 16-100 character shape.
SHAPES: dict[str, list[tuple[str, int, int]]] = {
    '8x8': [('a-zA-Z0-9', 43, 43)],
    'abstract': [('0-9a-z', 32, 32)],
    'abuseipdb': [('a-z0-9', 80, 80)],
    'abyssale': [('a-zA-Z0-9', 40, 40)],
    'adzuna': [('a-z0-9', 32, 32)],
    'aha': [('0-9a-f', 64, 64)],
    'airbrake': [('a-zA-Z0-9-', 32, 32), ('a-zA-Z0-9-', 40, 40)],
    'airship': [('a-zA-Z0-9', 91, 91)],
    'airvisual': [('a-z0-9-', 36, 36)],
    'alconost': [('0-9a-zA-Z', 32, 32)],
    'alegra': [('a-z0-9-', 20, 20)],
    'aletheiaapi': [('A-Z0-9', 32, 32)],
    'alienvault': [('a-z0-9', 64, 64)],
    'allsports': [('a-z0-9', 64, 64)],
    'amadeus': [('0-9A-Za-z', 32, 32)],
    'ambee': [('0-9a-f', 64, 64)],
    'amplitude': [('0-9a-f', 32, 32)],
    'anypoint': [('0-9a-f', 32, 32), ('0-9a-fA-F', 32, 32)],
    'apacta': [('a-z0-9-', 36, 36)],
    'api2cart': [('0-9a-f', 32, 32)],
    'apideck': [('a-zA-Z0-9', 40, 40)],
    'apiflash': [('a-z0-9', 32, 32)],
    'apifonica': [('0-9a-z-', 39, 39)],
    'apilayer': [('a-zA-Z0-9', 32, 32)],
    'apimatic': [('a-zA-Z0-9_-', 64, 64)],
    'apimetrics': [('a-zA-Z0-9', 32, 32)],
    'apitemplate': [('a-zA-Z0-9', 39, 39)],
    'apollo': [('a-zA-Z0-9', 22, 22)],
    'appcues': [('a-z0-9-', 36, 36), ('a-z0-9-', 39, 39)],
    'appointedd': [('a-zA-Z0-9=+', 88, 88)],
    'appsynergy': [('a-z0-9', 64, 64)],
    'apptivo': [('a-z0-9-', 36, 36), ('a-zA-Z0-9-', 32, 32)],
    'artsy': [('a-zA-Z0-9', 20, 20), ('a-zA-Z0-9', 32, 32)],
    'assemblyai': [('a-z0-9', 32, 32)],
    'atera': [('a-z0-9', 32, 32)],
    'audd': [('a-z0-9-', 32, 32)],
    'autodesk': [('a-zA-Z0-9', 16, 16), ('a-zA-Z0-9', 32, 32)],
    'autoklose': [('a-zA-Z0-9-', 32, 32)],
    'autopilot': [('0-9a-f', 32, 32)],
    'aviationstack': [('a-z0-9', 32, 32)],
    'axonaut': [('a-z0-9', 32, 32)],
    'aylien': [('a-z0-9', 32, 32)],
    'ayrshare': [('A-Z0-9-', 35, 35)],
    'beebole': [('a-z0-9', 40, 40)],
    'besnappy': [('0-9a-f', 64, 64)],
    'betterstack': [('a-zA-Z0-9', 24, 24)],
    'billomat': [('0-9a-f', 32, 32)],
    'bitbar': [('a-zA-Z0-9', 32, 32)],
    'bitcoinaverage': [('a-zA-Z0-9', 43, 43)],
    'bitfinex': [('a-zA-Z0-9_-', 43, 43)],
    'bitly': [('a-zA-Z0-9-', 40, 40)],
    'bitmex': [('0-9a-zA-Z_-', 24, 24), ('0-9a-zA-Z_-', 48, 48)],
    'blitapp': [('a-zA-Z0-9_-', 39, 39)],
    'boostnote': [('0-9a-f', 64, 64)],
    'borgbase': [('a-zA-Z0-9_./-', 148, 152)],
    'braintree': [('0-9a-f', 32, 32)],
    'browserstack': [('a-zA-Z0-9', 20, 20)],
    'browshot': [('a-zA-Z0-9-', 28, 28)],
    'bscscan': [('A-Z0-9', 34, 34)],
    'buddyns': [('a-z0-9', 40, 40)],
    'bugherd': [('a-z0-9', 22, 22)],
    'bulbul': [('a-z0-9', 32, 32)],
    'bulksms': [('0-9A-F-', 37, 37)],
    'buttercms': [('a-z0-9', 40, 40)],
    'calendarific': [('a-zA-Z0-9', 32, 32)],
    'calorieninja': [('a-zA-Z0-9', 40, 40)],
    'campayn': [('a-z0-9', 64, 64)],
    'capsulecrm': [('a-zA-Z0-9_=.+-', 64, 64)],
    'carboninterface': [('a-zA-Z0-9', 21, 21)],
    'cashboard': [('0-9A-Z-', 15, 15)],
    'caspio': [('a-z0-9', 50, 50)],
    'censys': [('a-z0-9-', 36, 36), ('a-zA-Z0-9', 32, 32)],
    'centralstationcrm': [('a-z0-9', 30, 30)],
    'cexio': [('a-zA-Z0-9', 24, 27)],
    'chartmogul': [('a-z0-9', 32, 32)],
    'chatbot': [('a-zA-Z0-9_', 32, 32)],
    'chatfuel': [('a-zA-Z0-9', 128, 128)],
    'checklyhq': [('a-z0-9', 32, 32)],
    'checkvist': [('0-9a-zA-Z', 14, 14)],
    'cicero': [('a-z0-9', 40, 40)],
    'clarifai': [('a-zA-Z0-9', 32, 32)],
    'clearbit': [('a-z0-9_', 35, 35)],
    'clientary': [('a-zA-Z0-9', 24, 26)],
    'clinchpad': [('a-z0-9', 32, 32)],
    'clockify': [('a-zA-Z0-9', 48, 48)],
    'clockworksms': [('a-zA-Z0-9', 24, 24)],
    'cloudelements': [('a-z0-9', 32, 32), ('a-zA-Z0-9', 43, 43)],
    'cloudimage': [('a-z0-9_', 30, 30)],
    'cloudinary': [('a-zA-Z0-9_-', 27, 27)],
    'cloudmersive': [('a-z0-9-', 36, 36)],
    'cloudplan': [('A-Z0-9-', 32, 32)],
    'cloudsmith': [('0-9a-f', 40, 40)],
    'cloverly': [('a-z0-9:_', 28, 28)],
    'cloze': [('0-9a-f', 32, 32)],
    'clustdoc': [('a-zA-Z0-9', 60, 60)],
    'codacy': [('a-zA-Z0-9', 20, 20)],
    'codeclimate': [('0-9a-f', 40, 40), ('0-9a-f', 64, 64)],
    'codequiry': [('a-zA-Z0-9-', 64, 64)],
    'coinapi': [('A-Z0-9-', 36, 36)],
    'coinlayer': [('a-z0-9', 32, 32)],
    'coinlib': [('a-z0-9', 16, 16)],
    'commercejs': [('a-z0-9_', 48, 48)],
    'commodities': [('a-zA-Z0-9', 60, 60)],
    'companyhub': [('a-zA-Z0-9', 20, 20)],
    'convertkit': [('a-zA-Z0-9_', 22, 22)],
    'copper': [('a-z0-9', 32, 32)],
    'countrylayer': [('a-z0-9', 32, 32)],
    'coveralls': [('a-zA-Z0-9-', 37, 37)],
    'craftmypdf': [('a-zA-Z0-9', 35, 35)],
    'crowdin': [('a-zA-Z0-9', 80, 80)],
    'cryptocompare': [('a-z0-9-', 64, 64)],
    'currencycloud': [('a-z0-9', 64, 64)],
    'currencyfreaks': [('a-z0-9', 32, 32)],
    'currencylayer': [('a-z0-9', 32, 32)],
    'currencyscoop': [('a-z0-9', 32, 32)],
    'customerguru': [('a-zA-Z0-9', 30, 30), ('a-zA-Z0-9', 50, 50)],
    'customerio': [('a-zA-Z0-9', 20, 20)],
    'dailyco': [('0-9a-f', 64, 64)],
    'dandelion': [('a-z0-9', 32, 32)],
    'dareboost': [('a-zA-Z0-9', 60, 60)],
    'datagov': [('a-zA-Z0-9', 40, 40)],
    'debounce': [('a-zA-Z0-9', 13, 13)],
    'deepai': [('a-z0-9-', 36, 36)],
    'deepgram': [('a-z0-9', 40, 40)],
    'delighted': [('a-z0-9A-Z', 32, 32)],
    'demio': [('a-z0-9A-Z', 32, 32)],
    'deputy': [('0-9a-z', 32, 32)],
    'detectify': [('a-z0-9', 32, 32)],
    'detectlanguage': [('a-z0-9', 32, 32)],
    'diffbot': [('a-z0-9', 32, 32)],
    'diggernaut': [('a-z0-9', 40, 40)],
    'disqus': [('a-zA-Z0-9', 64, 64)],
    'dnscheck': [('a-zA-Z0-9', 32, 32), ('a-zA-Z0-9-', 36, 36)],
    'docparser': [('0-9a-f', 40, 40)],
    'docsearch': [('a-zA-Z0-9', 32, 32)],
    'dronahq': [('a-z0-9', 50, 50)],
    'duosecurity': [('a-zA-Z0-9', 40, 40)],
    'dwolla': [('a-zA-Z0-9-', 50, 50)],
    'dynalist': [('a-zA-Z0-9_-', 128, 128)],
    'dyspatch': [('A-Z0-9', 52, 52)],
    'eagleeyenetworks': [('a-zA-Z0-9', 15, 15)],
    'easyinsight': [('a-zA-Z0-9', 20, 20)],
    'edamam': [('a-z0-9', 32, 32)],
    'elasticemail': [('a-zA-Z0-9_-', 96, 96)],
    'enablex': [('a-z0-9', 24, 24), ('a-zA-Z0-9', 36, 36)],
    'enigma': [('a-zA-Z0-9', 40, 40)],
    'envoy': [('a-zA-Z0-9', 220, 220)],
    'eraser': [('0-9a-zA-Z', 20, 20)],
    'etherscan': [('A-Z0-9', 34, 34)],
    'ethplorer': [('a-zA-Z0-9-', 22, 22)],
    'eventbrite': [('A-Z0-9', 20, 20)],
    'everhour': [('0-9a-f-', 32, 32)],
    'exchangerate': [('0-9a-f', 24, 24)],
    'exchangerateapi': [('a-f0-9', 24, 24)],
    'exchangerates': [('a-z0-9', 32, 32)],
    'exchangeratesapi': [('a-z0-9', 32, 32)],
    'exportsdk': [('a-z0-9-', 36, 36)],
    'extractorapi': [('a-zA-Z0-9-', 40, 40)],
    'faceplusplus': [('a-zA-Z0-9_-', 32, 32)],
    'fastforex': [('a-z0-9-', 28, 28)],
    'feedier': [('a-zA-Z0-9', 32, 32)],
    'fetchrss': [('a-zA-Z0-9.', 40, 40)],
    'fileio': [('A-Z0-9.-', 39, 39)],
    'financialmodelingprep': [('a-zA-Z0-9', 32, 32)],
    'fixerio': [('A-Za-z0-9', 32, 32)],
    'flatio': [('0-9a-z', 128, 128)],
    'flightapi': [('a-z0-9', 24, 24)],
    'flightstats': [('a-z0-9', 32, 32)],
    'flowflu': [('a-zA-Z0-9', 51, 51)],
    'fmfw': [('a-zA-Z0-9_-', 32, 32)],
    'formcraft': [('a-z0-9', 16, 16)],
    'formsite': [('a-zA-Z0-9', 32, 32)],
    'foursquare': [('A-Z0-9', 48, 48)],
    'freshdesk': [('a-zA-Z0-9', 20, 20)],
    'freshworks': [('a-zA-Z0-9_-', 22, 22)],
    'fulcrum': [('a-z0-9', 80, 80)],
    'fxmarket': [('0-9a-zA-Z_=-', 20, 20)],
    'geckoboard': [('a-zA-Z0-9', 44, 44)],
    'geoapify': [('a-z0-9', 32, 32)],
    'geocode': [('a-z0-9', 28, 28)],
    'geocodify': [('a-z0-9', 40, 40)],
    'geocodio': [('a-z0-9', 39, 39)],
    'getemails': [('a-z0-9-', 26, 26)],
    'getgeoapi': [('a-z0-9', 40, 40)],
    'getgist': [('a-z0-9A-Z+=', 68, 68)],
    'getresponse': [('a-z0-9', 32, 32)],
    'getsandbox': [('a-z0-9-', 15, 30), ('a-z0-9-', 40, 40)],
    'glassnode': [('a-zA-Z0-9', 27, 27)],
    'goodday': [('a-z0-9', 32, 32)],
    'graphcms': [('a-z0-9', 25, 25)],
    'graphhopper': [('a-z0-9-', 36, 36)],
    'groovehq': [('a-z0-9A-Z', 64, 64)],
    'gtmetrix': [('0-9a-f', 32, 32)],
    'gumroad': [('a-zA-Z0-9-', 43, 43)],
    'gyazo': [('a-zA-Z0-9-', 43, 43)],
    'happyscribe': [('a-zA-Z0-9', 24, 24)],
    'harvest': [('a-z0-9A-Z._', 97, 97)],
    'hasura': [('a-zA-Z0-9', 64, 64)],
    'hellosign': [('a-zA-Z0-9+/-', 64, 64)],
    'helpcrunch': [('a-zA-Z0-9=+/-', 328, 328)],
    'helpscout': [('a-z0-9', 40, 40)],
    'hereapi': [('a-zA-Z0-9_-', 43, 43)],
    'hiveage': [('a-zA-Z0-9_-', 20, 20)],
    'holidayapi': [('a-z0-9-', 36, 36)],
    'holistic': [('0-9a-f', 64, 64)],
    'html2pdf': [('a-zA-Z0-9', 64, 64)],
    'humanity': [('0-9a-z', 40, 40)],
    'hunterio': [('a-z0-9_-', 40, 40)],
    'hybiscus': [('a-zA-Z0-9', 43, 43)],
    'hypertrack': [('a-zA-Z0-9_-', 27, 27), ('a-zA-Z0-9_-', 54, 54)],
    'iconfinder': [('a-zA-Z0-9', 64, 64)],
    'iexcloud': [('a-z0-9_', 35, 35)],
    'imagekit': [('a-zA-Z0-9_=', 36, 36)],
    'imagga': [('a-zA-Z0-9=', 72, 72)],
    'impala': [('0-9A-Za-z_', 46, 46)],
    'infura': [('a-z0-9', 32, 32)],
    'insightly': [('a-z0-9-', 36, 36)],
    'instabot': [('0-9a-zA-Z=+/', 44, 44)],
    'instamojo': [('a-zA-Z0-9', 40, 40), ('a-zA-Z0-9', 128, 128)],
    'intrinio': [('a-zA-Z0-9', 44, 44)],
    'invoiceocean': [('a-zA-Z0-9', 20, 20)],
    'ip2location': [('A-Z0-9', 32, 32)],
    'ipapi': [('a-z0-9', 32, 32)],
    'ipgeolocation': [('a-z0-9', 32, 32)],
    'ipinfo': [('a-f0-9', 14, 14)],
    'ipinfodb': [('a-z0-9', 64, 64)],
    'ipquality': [('a-zA-Z0-9', 32, 32)],
    'ipstack': [('0-9a-fA-F', 32, 32)],
    'jotform': [('0-9a-zA-Z', 32, 32)],
    'jumpcloud': [('a-zA-Z0-9', 40, 40)],
    'jupiterone': [('a-zA-Z0-9', 76, 76)],
    'juro': [('a-zA-Z0-9', 40, 40)],
    'kanbantool': [('0-9A-Z', 12, 12)],
    'karmacrm': [('a-zA-Z0-9', 20, 20)],
    'keenio': [('0-9A-Z', 64, 64)],
    'klipfolio': [('0-9a-f', 40, 40)],
    'knapsackpro': [('a-z0-9', 32, 32)],
    'kylas': [('a-z0-9-', 36, 36)],
    'languagelayer': [('a-z0-9', 32, 32)],
    'larksuite': [('a-zA-Z0-9', 32, 32)],
    'leadfeeder': [('a-zA-Z0-9-', 43, 43)],
    'lemlist': [('0-9a-f', 32, 32)],
    'lessannoyingcrm': [('a-zA-Z0-9-', 57, 57)],
    'linenotify': [('a-zA-Z0-9', 43, 43)],
    'linkpreview': [('a-zA-Z0-9', 32, 32)],
    'liveagent': [('a-zA-Z0-9', 32, 32)],
    'loadmill': [('a-zA-Z0-9', 40, 40)],
    'lokalise': [('a-z0-9', 40, 40)],
    'loyverse': [('a-z0-9-', 32, 32)],
    'lunchmoney': [('0-9a-f', 50, 50)],
    'luno': [('a-zA-Z0-9_-', 43, 43)],
    'm3o': [('0-9A-Za-z', 48, 48)],
    'madkudu': [('0-9a-f', 32, 32)],
    'magicbell': [('a-zA-Z0-9-', 40, 40)],
    'mailboxlayer': [('a-z0-9', 32, 32)],
    'mailerlite': [('a-z0-9', 32, 32)],
    'mailjet': [('a-zA-Z0-9', 32, 32)],
    'mailmodo': [('A-Z0-9-', 31, 31)],
    'mapquest': [('a-zA-Z0-9', 32, 32)],
    'marketstack': [('a-z0-9', 32, 32)],
    'mavenlink': [('a-z0-9', 64, 64)],
    'meaningcloud': [('a-z0-9', 32, 32)],
    'mediastack': [('a-z0-9', 32, 32)],
    'meistertask': [('a-zA-Z0-9', 43, 43)],
    'mesibo': [('a-zA-Z0-9', 64, 64)],
    'metaapi': [('0-9a-f', 24, 24), ('0-9a-f', 64, 64)],
    'metabase': [('a-zA-Z0-9-', 36, 36)],
    'metrilo': [('a-z0-9', 16, 16)],
    'mindmeister': [('a-zA-Z0-9', 43, 43)],
    'miro': [('0-9a-zA-Z', 27, 27)],
    'mixmax': [('a-zA-Z0-9_-', 36, 36)],
    'mixpanel': [('a-zA-Z0-9-', 32, 32), ('a-zA-Z0-9.-', 30, 40)],
    'monkeylearn': [('0-9a-f', 40, 40)],
    'moonclerk': [('a-z0-9', 32, 32)],
    'moralis': [('a-zA-Z0-9', 64, 64)],
    'myintervals': [('0-9a-z', 11, 11)],
    'nasdaqdatalink': [('a-zA-Z0-9_-', 20, 20)],
    'netcore': [('a-zA-Z0-9-', 32, 32)],
    'netsuite': [('a-zA-Z0-9', 64, 64)],
    'neutrinoapi': [('a-zA-Z0-9', 48, 48)],
    'newsapi': [('a-z0-9', 32, 32)],
    'newscatcher': [('a-zA-Z0-9_', 43, 43)],
    'nexmo': [('a-zA-Z0-9_-', 16, 16)],
    'nicereply': [('0-9a-f', 40, 40)],
    'nimble': [('a-zA-Z0-9', 30, 30)],
    'noticeable': [('a-zA-Z0-9', 20, 20)],
    'numverify': [('a-z0-9', 32, 32)],
    'nutritionix': [('a-z0-9', 32, 32)],
    'nylas': [('a-zA-Z0-9', 30, 30)],
    'oanda': [('a-zA-Z0-9', 24, 24)],
    'omnisend': [('a-zA-Z0-9-', 75, 75)],
    'onepagecrm': [('a-z0-9', 24, 24), ('a-zA-Z0-9=', 44, 44)],
    'onfleet': [('a-z0-9', 32, 32)],
    'oopspam': [('a-zA-Z0-9', 40, 40)],
    'opencagedata': [('a-z0-9', 32, 32)],
    'openuv': [('a-z0-9', 32, 32)],
    'openweather': [('a-z0-9', 32, 32)],
    'optimizely': [('0-9A-Za-z:-', 54, 54)],
    'overloop': [('a-zA-Z0-9_-', 50, 50)],
    'owlbot': [('a-z0-9', 40, 40)],
    'packagecloud': [('0-9a-f', 48, 48)],
    'pandadoc': [('a-zA-Z0-9', 40, 40)],
    'paperform': [('a-zA-Z0-9_.-', 850, 1000)],
    'paralleldots': [('a-zA-Z0-9', 43, 43)],
    'parsehub': [('0-9a-zA-Z', 12, 12)],
    'parseur': [('0-9a-f', 40, 40)],
    'partnerstack': [('a-zA-Z0-9', 64, 64)],
    'pastebin': [('a-zA-Z0-9_', 32, 32)],
    'paydirtapp': [('a-z0-9', 32, 32)],
    'paymoapp': [('a-zA-Z0-9', 44, 44)],
    'paymongo': [('a-zA-Z0-9_', 32, 32)],
    'pdflayer': [('a-z0-9', 32, 32)],
    'pdfshift': [('0-9a-f', 32, 32)],
    'peopledatalabs': [('a-z0-9', 64, 64)],
    'pepipost': [('a-zA-Z0-9-', 32, 32)],
    'percy': [('0-9a-f', 64, 64)],
    'pinata': [('0-9a-z', 64, 64)],
    'pipedream': [('a-z0-9', 32, 32)],
    'pipedrive': [('a-zA-Z0-9', 40, 40)],
    'pixabay': [('a-z0-9-', 34, 34)],
    'planview': [('0-9a-f', 128, 128)],
    'planyo': [('a-z0-9', 62, 62)],
    'plivo': [('A-Z', 20, 20), ('a-zA-Z0-9_-', 40, 40)],
    'podio': [('a-z0-9', 32, 32)],
    'pollsapi': [('A-Z0-9', 28, 28)],
    'poloniex': [('0-9a-f', 128, 128)],
    'polygon': [('a-z0-9A-Z', 32, 32)],
    'positionstack': [('a-zA-Z0-9_', 32, 32)],
    'postageapp': [('a-zA-Z0-9', 32, 32)],
    'postbacks': [('0-9a-f-', 36, 36)],
    'powrbot': [('a-zA-Z0-9', 40, 40)],
    'prodpad': [('0-9a-f', 64, 64)],
    'prospectcrm': [('a-z0-9-', 32, 32)],
    'protocolsio': [('a-z0-9', 64, 64)],
    'proxycrawl': [('a-zA-Z0-9_', 22, 22)],
    'purestake': [('a-zA-Z0-9', 40, 40)],
    'pushbullet': [('a-zA-Z0-9_.', 34, 34)],
    'pyxis': [('a-z0-9', 32, 32)],
    'qase': [('0-9a-zA-Z', 40, 40)],
    'qualaroo': [('a-zA-Z0-9=', 64, 64)],
    'qubole': [('a-z0-9', 64, 64)],
    'railway': [('0-9a-f-', 36, 36)],
    'raven': [('A-Z0-9-', 16, 16)],
    'rawg': [('0-9a-zA-Z', 32, 32)],
    'reachmail': [('a-zA-Z0-9_-', 64, 64)],
    'rebrandly': [('a-zA-Z0-9_', 32, 32)],
    'refiner': [('0-9a-f-', 36, 36)],
    'repairshopr': [('a-zA-Z0-9-', 51, 51)],
    'replyio': [('a-zA-Z0-9', 24, 24)],
    'requestfinance': [('0-9A-Z-', 31, 31)],
    'restpack': [('a-zA-Z0-9', 48, 48)],
    'ringcentral': [('a-zA-Z0-9_-', 22, 22)],
    'ritekit': [('0-9a-f', 44, 44)],
    'roaring': [('0-9A-Za-z_-', 28, 28)],
    'rocketreach': [('a-z0-9-', 39, 39)],
    'route4me': [('A-Z0-9', 32, 32)],
    'runrunit': [('0-9a-f', 32, 32), ('a-zA-Z0-9', 18, 20)],
    'salescookie': [('a-zA-Z0-9', 32, 32)],
    'salesflare': [('a-zA-Z0-9_', 45, 45)],
    'satismeter': [('a-zA-Z0-9', 24, 24), ('a-zA-Z0-9', 32, 32)],
    'scalr': [('0-9a-zA-Z._', 136, 136)],
    'scrapeowl': [('a-z0-9', 30, 30)],
    'scraperapi': [('a-z0-9', 32, 32)],
    'scraperbox': [('A-Z0-9', 32, 32)],
    'scrapestack': [('a-z0-9', 32, 32)],
    'scrapingant': [('a-z0-9', 32, 32)],
    'scrapingbee': [('A-Z0-9', 80, 80)],
    'screenshotapi': [('0-9A-Z-', 31, 31)],
    'screenshotlayer': [('a-zA-Z0-9_', 32, 32)],
    'scrutinizer': [('a-z0-9', 64, 64)],
    'securitytrails': [('a-zA-Z0-9', 32, 32)],
    'selectpdf': [('a-z0-9-', 36, 36)],
    'semaphore': [('0-9a-z', 32, 32)],
    'serphouse': [('a-zA-Z0-9', 60, 60)],
    'serpstack': [('a-z0-9', 32, 32)],
    'sheety': [('a-z0-9', 32, 32), ('a-z0-9', 64, 64)],
    'sherpadesk': [('a-z0-9', 32, 32)],
    'shodan': [('a-zA-Z0-9', 32, 32)],
    'shortcut': [('0-9a-f-', 36, 36)],
    'shotstack': [('a-zA-Z0-9', 40, 40)],
    'shutterstock': [('a-zA-Z0-9', 16, 16), ('a-zA-Z0-9', 32, 32)],
    'signalwire': [('a-zA-Z0-9', 50, 50)],
    'signaturit': [('a-zA-Z0-9', 86, 86)],
    'signupgenius': [('a-zA-Z0-9', 32, 32)],
    'sigopt': [('A-Z0-9', 48, 48)],
    'simfin': [('a-zA-Z0-9', 32, 32)],
    'simplesat': [('a-z0-9', 40, 40)],
    'simvoly': [('a-z0-9', 33, 33)],
    'sinch': [('a-z0-9', 32, 32)],
    'siteleaf': [('0-9a-zA-Z', 32, 32)],
    'skrapp': [('a-zA-Z0-9', 42, 42)],
    'skybiometry': [('a-z0-9', 25, 26)],
    'smartystreets': [('a-z0-9-', 36, 36), ('a-zA-Z0-9', 20, 20)],
    'smooch': [('a-zA-Z0-9_-', 86, 86)],
    'snipcart': [('a-zA-Z0-9_', 75, 75)],
    'solarwinds': [('a-zA-Z0-9_-', 71, 71)],
    'sparkpost': [('a-zA-Z0-9', 40, 40)],
    'speechtext': [('0-9a-f', 32, 32)],
    'speechtextai': [('0-9a-f', 32, 32)],
    'splunk': [('a-z0-9A-Z', 22, 22)],
    'spoonacular': [('a-z0-9', 32, 32)],
    'sportsmonk': [('a-zA-Z0-9', 60, 60)],
    'spotify': [('a-zA-Z0-9', 32, 32)],
    'sslmate': [('a-zA-Z0-9', 36, 36)],
    'statuscake': [('a-zA-Z0-9', 20, 20)],
    'statuspage': [('a-z0-9-', 36, 36)],
    'statuspal': [('a-zA-Z0-9', 32, 32)],
    'stitchdata': [('a-z0-9_', 35, 35)],
    'stockdata': [('a-zA-Z0-9', 40, 40)],
    'storecove': [('a-zA-Z0-9_-', 43, 43)],
    'stormboard': [('0-9a-f', 40, 40)],
    'stormglass': [('0-9a-zA-Z-', 73, 73)],
    'storychief': [('a-zA-Z0-9_.-', 940, 1000)],
    'strava': [('a-z0-9', 40, 40)],
    'streak': [('0-9a-fA-F', 32, 32)],
    'stytch': [('a-z0-9-', 49, 49)],
    'sugester': [('a-zA-Z0-9', 32, 32)],
    'surveyanyplace': [('a-zA-Z0-9', 32, 32), ('a-zA-Z0-9-', 36, 36)],
    'surveybot': [('a-zA-Z0-9-', 80, 80)],
    'surveysparrow': [('a-zA-Z0-9_-', 88, 88)],
    'survicate': [('a-z0-9', 32, 32)],
    'swell': [('a-zA-Z0-9', 32, 32)],
    'tatumio': [('0-9a-z-', 36, 36)],
    'taxjar': [('a-z0-9', 32, 32)],
    'teamgate': [('a-z0-9', 40, 40), ('a-zA-Z0-9', 80, 80)],
    'technicalanalysisapi': [('A-Z0-9', 48, 48)],
    'tefter': [('0-9a-zA-Z', 20, 20)],
    'teletype': [('a-zA-Z0-9-', 64, 64)],
    'testingbot': [('a-z0-9', 32, 32)],
    'textanywhere': [('a-zA-Z0-9', 24, 24)],
    'textmagic': [('a-zA-Z0-9', 30, 30)],
    'theoddsapi': [('0-9a-f', 32, 32)],
    'thinkific': [('0-9a-f', 32, 32)],
    'thousandeyes': [('a-zA-Z0-9', 32, 32)],
    'ticketmaster': [('a-zA-Z0-9', 32, 32)],
    'tiingo': [('a-z0-9', 40, 40)],
    'timecamp': [('a-z0-9', 26, 26)],
    'timezoneapi': [('a-zA-Z', 20, 20)],
    'tmetric': [('0-9A-Z', 64, 64)],
    'todoist': [('a-z0-9', 40, 40)],
    'tomorrowio': [('a-zA-Z0-9', 32, 32)],
    'tomtom': [('0-9a-zA-Z', 32, 32)],
    'tradier': [('a-zA-Z0-9', 28, 28)],
    'travelpayouts': [('a-z0-9', 32, 32)],
    'twelvedata': [('a-z0-9', 32, 32)],
    'twist': [('0-9a-f', 40, 40)],
    'tyntec': [('a-zA-Z0-9', 32, 32)],
    'typetalk': [('a-zA-Z0-9', 32, 32), ('a-zA-Z0-9', 64, 64)],
    'uclassify': [('a-z0-9A-Z', 12, 12)],
    'unifyid': [('0-9A-Za-z_=-', 44, 44)],
    'unplugg': [('a-z0-9', 64, 64)],
    'unsplash': [('a-zA-Z0-9_', 43, 43)],
    'upcdatabase': [('A-Z0-9', 32, 32)],
    'uplead': [('a-z0-9-', 32, 32)],
    'uploadcare': [('a-z0-9', 20, 20)],
    'uptimerobot': [('a-zA-Z0-9-', 34, 34)],
    'upwave': [('0-9a-z', 32, 32)],
    'urlscan': [('a-z0-9-', 36, 36)],
    'userflow': [('a-z0-9_', 29, 29)],
    'userstack': [('a-z0-9', 32, 32)],
    'vatlayer': [('a-z0-9', 32, 32)],
    'vbout': [('0-9', 25, 25)],
    'verimail': [('A-Z0-9', 32, 32)],
    'veriphone': [('A-Z0-9', 32, 32)],
    'versioneye': [('a-zA-Z0-9-', 40, 40)],
    'virustotal': [('0-9a-f', 64, 64)],
    'visualcrossing': [('A-Z0-9', 25, 25)],
    'voodoosms': [('a-zA-Z0-9', 46, 46)],
    'vouchery': [('a-z0-9-', 36, 36)],
    'vpnapi': [('a-zA-Z0-9', 32, 32)],
    'vultr': [('A-Z0-9', 36, 36)],
    'vyte': [('0-9a-z', 50, 50)],
    'walkscore': [('a-z0-9', 32, 32)],
    'wandb': [('0-9a-f', 40, 40)],
    'weatherbit': [('a-z0-9', 32, 32)],
    'weatherstack': [('a-z0-9', 32, 32)],
    'webex': [('a-f0-9', 64, 64)],
    'webflow': [('a-zA-Z0-9', 64, 64)],
    'webscraper': [('a-zA-Z0-9', 60, 60)],
    'webscraping': [('0-9A-Za-z', 32, 32)],
    'websitepulse': [('0-9a-f', 32, 32)],
    'weightsandbiases': [('0-9a-f', 40, 40)],
    'whoxy': [('a-z0-9', 33, 33)],
    'wistia': [('a-z0-9', 64, 64)],
    'witai': [('A-Z0-9', 32, 32)],
    'wiz': [('a-zA-Z0-9', 53, 53)],
    'worksnaps': [('0-9A-Za-z', 40, 40)],
    'workstack': [('0-9a-zA-Z', 60, 60)],
    'worldcoinindex': [('a-zA-Z0-9', 35, 35)],
    'worldweather': [('a-z0-9', 31, 31)],
    'yelp': [('a-zA-Z0-9_=.-', 128, 128)],
    'youneedabudget': [('0-9a-f', 64, 64)],
    'yousign': [('a-z0-9', 32, 32)],
    'zenrows': [('0-9a-f', 40, 40)],
    'zenserp': [('a-z0-9-', 36, 36)],
    'zeplin': [('a-zA-Z0-9.-', 350, 400)],
    'zerobounce': [('a-z0-9', 32, 32)],
    'zerotier': [('a-zA-Z0-9', 32, 32)],
    'zipcodeapi': [('a-zA-Z0-9', 64, 64)],
    'zonka': [('0-9A-Za-z', 36, 36)],
}


# A provider written more than one way (``TOMORROW_IO_KEY``, ``tomorrowio``): the
# name's pattern, and the literal every spelling contains (the prefilter's keyword).
NAME_PATTERNS: dict[str, tuple[str, str]] = {
    'datagov': ('data[._-]?gov', 'data'),
    'fixerio': ('fixer(?:[._-]?io)?', 'fixer'),
    'groovehq': ('groove(?:[._-]?hq)?', 'groove'),
    'hunterio': ('hunter(?:[._-]?io)?', 'hunter'),
    'keenio': ('keen[._-]?io', 'keen'),
    'nasdaqdatalink': ('nasdaq(?:[._-]?data[._-]?link)?', 'nasdaq'),
    'protocolsio': ('protocols[._-]?io', 'protocols'),
    'railway': ('railway(?:[._-]?app)?', 'railway'),
    'tatumio': ('tatum(?:[._-]?io)?', 'tatum'),
    'tomorrowio': ('tomorrow[._-]?io', 'tomorrow'),
    'unifyid': ('unify[._-]?id', 'unify'),
    'webscraping': ('webscraping(?:[._-]?ai)?', 'webscraping'),
    'witai': ('wit(?:[._-]?ai)?', 'wit'),
    'zonka': ('zonka(?:[._-]?feedback)?', 'zonka'),
}


def _value(name: str) -> str:
    shapes = SHAPES.get(name)
    if not shapes:
        return _VALUE
    bodies = []
    for cls, low, high in shapes:
        count = f"{{{low}}}" if low == high else f"{{{low},{high}}}"
        mixed = any(c.isalpha() for c in cls.replace("-", "")) and "0-9" in cls
        bodies.append((r"(?=[A-Za-z_-]*[0-9])(?=[0-9_-]*[A-Za-z])" if mixed else "") + f"[{cls}]{count}")
    return "(?:" + "|".join(bodies) + ")"


_NOT_VALUES = [r"^[a-z]+(?:_[a-z]+)+$", r"^[A-Z]+(?:_[A-Z]+)+$", r"^[a-z]+(?:-[a-z]+)+$",
               r"^v?\d+(?:[._-]\d+)+$",
               # UUID-shaped but not a UUID (a group too short, letters past f):
               # a mistyped or made-up value, not an issued key.
               r"^(?![0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)"
               r"[^-]{8}-[^-]{3,4}-[^-]{3,4}-[^-]{4}-[^-]+$"]


def _gen_for(name: str):  # noqa: ANN202
    shapes = SHAPES.get(name)
    if not shapes:
        return lambda f: f.pick(B62, 32)
    cls, low, _ = shapes[-1]
    chars = "".join(_CHARS[part] for part in re.findall(r"a-z|A-Z|0-9|a-f|A-F|.", cls) if part in _CHARS)
    alphabet = Alphabet(chars or B62.chars, cls)
    mixed = any(c.isalpha() for c in alphabet.chars) and any(c.isdigit() for c in alphabet.chars)

    def gen(f):  # noqa: ANN001, ANN202
        # The rule wants letters and digits mixed; a short draw can miss one.
        while True:
            value = f.pick(alphabet, low)
            if not mixed or (any(c.isalpha() for c in value) and any(c.isdigit() for c in value)):
                return value
    return gen


_CHARS = {"a-z": string.ascii_lowercase, "A-Z": string.ascii_uppercase, "0-9": string.digits,
          "a-f": "abcdef", "A-F": "ABCDEF", "_": "_", "-": "", "=": "", ".": "", "+": "", "/": ""}


def _entropy(name: str) -> float:
    # What a random value of the shape measures: digits ~3.2, 32 hex ~3.4-3.8,
    # 16 lowercase alphanumerics ~3.5, longer mixed values 4 and more.
    shapes = SHAPES.get(name, [])
    if not shapes:
        return 3.5
    if all(cls == "0-9" for cls, _, _ in shapes):
        return 2.8
    if max(high for _, _, high in shapes) <= 16:
        # 11-16 characters cannot measure much higher even when random
        # (log2 of the length bounds it); the exact length carries the weight.
        return 2.5
    if all(not any(c in cls for c in ("g-", "-z", "Z")) for cls, _, _ in shapes):
        return 3.0
    return 3.2 if min(low for _, low, _ in shapes) <= 20 else 3.5


# A provider that already has a structured rule (its name is one of that
# rule's keywords, or one with a brand suffix: ``adafruit`` + ``io``) is left
# to it. Not "contains" or "starts with": ``login`` or ``export`` inside
# ``loginradius`` or ``exportsdk`` names another provider.
_BRAND_SUFFIXES = {"", "io", "app", "hq", "api", "ai", "cloud"}
_COVERED = {k for spec in SPECS for k in spec.keywords if k.isalpha() and len(k) >= 5}

for _name in PROVIDERS:
    if any(_name.startswith(k) and _name[len(k):] in _BRAND_SUFFIXES for k in _COVERED):
        continue
    _var = _name.upper()
    _pattern, _keyword = NAME_PATTERNS.get(_name, (_name, _name))
    SPECS.append(Spec(
        id=f"{_name}-api-key", file="longtail",
        description=f"{_name} API key (medium confidence: identified only by the name {_name!r} on the same "
                    "line, within 40 characters; format not checked)",
        regex=f"{name_gate(_pattern, common=_name in COMMON_WORDS)}{_BEFORE}{_NOT_LABEL}"
              f"(?P<secret>{_value(_name)}){_AFTER}",
        keywords=[_keyword], gen=_gen_for(_name),
        templates=[f'{_var}_API_KEY="{{s}}"', f"{_name}_token: {{s}}"],
        negatives=[f'{_var}_API_KEY="${{{_var}_API_KEY}}"', f'{_var}_API_KEY="{"x" * 32}"',
                   f"{_name}_client = build_{_name}_client_from_settings"],
        severity="medium", confidence="medium", entropy=_entropy(_name),
        validate=None if _name in SHAPES else "jwt-when-dotted",
        # The open-ended JWT shape would widen every confirm window to the
        # cap: name, gap and a key of up to ~1 KB is as far back as it reaches.
        max_length=None if _name in SHAPES else 1200,
        # A value that spells the provider's name is an identifier built from it.
        allow={"description": "identifiers and versions rather than values", "regexes": _NOT_VALUES,
               "stopwords": [_name]},
    ))
