#!/usr/bin/env python3
"""Generates a catalogue of N services (rathaus-catalogue/1) for the search
benchmark: realistic German titles and texts built from the demo catalogue
and a vocabulary of administrative nouns, spread over the demo org units."""
import json, random, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
demo = json.load(open(sys.argv[2] if len(sys.argv) > 2 else "crates/catalogue/demo/musterstadt.json"))
random.seed(7)
nouns = ["Anwohnerparkausweis", "Hundesteuer", "Meldebescheinigung", "Gewerbeanmeldung", "Sondernutzung", "Baumfällung", "Sperrmüll",
         "Wohngeld", "Kitaplatz", "Führungszeugnis", "Fischereischein", "Jagdschein", "Marktstand", "Plakatierung", "Grabnutzung",
         "Hausnummer", "Straßenreinigung", "Schornsteinfeger", "Zweitwohnung", "Vergnügungssteuer", "Spielplatz", "Bauvorbescheid",
         "Abrissgenehmigung", "Denkmalschutz", "Lärmschutz", "Feuerwerk", "Taxikonzession", "Schülerbeförderung", "Ferienbetreuung",
         "Elternbeitrag", "Musikschule", "Volkshochschule", "Bibliotheksausweis", "Sportstätte", "Schwimmbad", "Kleingarten",
         "Friedhof", "Urnenbeisetzung", "Wochenmarkt", "Gaststätte", "Sperrzeit", "Versammlung", "Fundbüro", "Anliegerbeitrag",
         "Regenwasser", "Abwasser", "Biotonne", "Altkleider", "Wertstoffhof", "Solaranlage", "Wärmepumpe", "Fassadenbegrünung"]
verbs = ["beantragen", "anmelden", "abmelden", "ändern", "verlängern", "melden", "bezahlen", "widersprechen", "auskunft", "ersetzen"]
districts = ["Nord", "Süd", "Ost", "West", "Mitte", "Altstadt", "Hafen", "Neustadt", "Bahnhof", "Oberdorf"]
base = demo["services"]
units = sorted({s["org_unit_code"] for s in base})
services = []
for i in range(n):
    b = base[i % len(base)]
    noun = random.choice(nouns)
    verb = random.choice(verbs)
    district = random.choice(districts)
    title = f"{noun} {verb} – Bezirk {district}" if i < n - 1 else "Zebrastreifenmarkierung beantragen"
    services.append({
        "slug": f"bench-{i}",
        "title": title,
        "short_description": f"{noun} im Bezirk {district}: {b['short_description']}"[:280],
        "long_description": b["long_description"],
        "leika_key": f"99{i:012d}",
        "life_situations": b["life_situations"],
        "prerequisites": b["prerequisites"],
        "required_documents": b["required_documents"],
        "fee": b["fee"],
        "processing_time": b["processing_time"],
        "legal_basis": b["legal_basis"],
        "org_unit_code": random.choice(units),
        "maturity_level": b["maturity_level"],
        "has_form": b["has_form"],
        "published": True,
    })
json.dump({"format": "rathaus-catalogue/1", "life_situations": demo["life_situations"], "contacts": demo["contacts"], "services": services},
          sys.stdout, ensure_ascii=False)
