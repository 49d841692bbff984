-- Rotates typical citizen queries (frequent and rare terms, a compound
-- part, a typo) for the catalogue search benchmark.
local queries = {
  "Hund%20anmelden", "Parkausweis", "Parkausweiss", "Meldebescheinigung", "Sperrm%C3%BCll",
  "Gewerbe", "Baum%20f%C3%A4llen", "Kita", "Wohngeld", "Zebrastreifen", "Ausweis", "Friedhof"
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/services?limit=20&q=" .. queries[(i % #queries) + 1])
end
