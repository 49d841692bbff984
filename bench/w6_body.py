#!/usr/bin/env python3
"""Writes the parts of the W6 request body (bench/submission.sh): 5 KB of
answers to the demo form "Sondernutzung öffentlicher Verkehrsflächen" and a
1 MB PDF site plan, base64 in JSON as the submission API takes it. The Lua
script puts a distinct 24-byte PDF header in front of the shared rest for
every request, so every attachment is a new blob (nothing deduplicated).

Usage: w6_body.py OUT_DIR [SIZE_KB [SECOND_SIZE_KB]]
With SECOND_SIZE_KB, a second distinct PDF (the photo of the place) goes
with every request too (W2: two documents of 200 KB each)."""
import base64, json, os, random, sys

out = sys.argv[1]
rng = random.Random(6)
words = ("Antrag Gehweg Container Baustelle Musterstadt Absperrung Fußgänger "
         "Zufahrt Anlieferung Genehmigung Straße Beschilderung Sicherung").split()
def text(n):
    s = []
    while sum(len(w) + 1 for w in s) < n:
        s.append(rng.choice(words))
    return " ".join(s)[:n]

answers = {
    "vorname": "Erika", "nachname": "Mustermann", "email": "erika.mustermann@example.org",
    "telefon": "0221 1234567",
    "adresse": {"street": "Heidestraße", "house_number": "17", "postcode": "51147", "city": "Musterstadt"},
    "fuer_firma": "yes", "firmenname": "Mustermann Bau GmbH",
    "nutzungsart": "container", "beschreibung": text(2000), "ausfuehrende_firma": "Container-Dienst Musterstadt",
    "ort": {"street": "Marktplatz", "house_number": "1", "postcode": "51147", "city": "Musterstadt"},
    "lage": "gehweg", "laenge": "6,5", "breite": "2,5", "restbreite": "1,5",
    "nutzung_von": "2027-03-01", "nutzung_bis": "2027-03-14", "verkehrszeichen": "yes",
    "bemerkung": text(2000),
}
answers_json = json.dumps(answers, ensure_ascii=False)
size = int(sys.argv[2]) * 1024 if len(sys.argv) > 2 else 1024 * 1024
second = int(sys.argv[3]) * 1024 if len(sys.argv) > 3 else 0
# A PDF after its per-request 24-byte header.
def pdf_rest(n):
    return bytes(rng.getrandbits(8) for _ in range(n - 24 - 7)) + b"\n%%EOF\n"
rest = pdf_rest(size)
prefix = '{"answers": ' + answers_json[:-1] + ', "lageplan": {"name": "lageplan.pdf", "content_base64": "'
suffix = '"}}}'
if second:
    suffix = '"}, "foto_ort": {"name": "foto.pdf", "content_base64": "'
    with open(os.path.join(out, "rest2.b64"), "w") as f:
        f.write(base64.b64encode(pdf_rest(second)).decode())
    with open(os.path.join(out, "suffix2.txt"), "w") as f:
        f.write('"}}}')
with open(os.path.join(out, "prefix.txt"), "w", encoding="utf-8") as f:
    f.write(prefix)
with open(os.path.join(out, "rest.b64"), "w") as f:
    f.write(base64.b64encode(rest).decode())
with open(os.path.join(out, "suffix.txt"), "w") as f:
    f.write(suffix)
print(f"answers: {len(answers_json.encode())} bytes of JSON; attachments: {24 + len(rest)} + {second} bytes")
