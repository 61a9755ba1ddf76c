-- Numbers with a provenance record, for Quarto and the offline renderer alike.
--
-- A notebook writes a traced number as U+E000 id U+E001 text U+E002 (verzamelbrief.herkomst).
-- Each becomes a link to its record in the appendix "Herkomst van de cijfers" (the div
-- #id written by the render step), with its own anchor id-N (N-th use in the document),
-- and every record's placeholder span `.herkomst-terug` gets links back to those uses.
-- HTML: <a class="herkomst" id="id-N" href="#id" aria-label="Herkomst van …">; Typst:
-- #link(<id>)[…] in the body colour (the template underlines every link) with a metadata label as the anchor (Typst links need a labelled element).
-- A number in a table's header row is not a use with an anchor: Typst repeats a header on every
-- page of a long table, and an anchor may occur only once. In HTML it links to its record; in the
-- PDF it is plain text, since a repeated header is an artifact and PDF/UA-1 allows no links in one.

local OPEN, SEP, CLOSE = "\u{E000}", "\u{E001}", "\u{E002}"
local PATTERN = OPEN .. "(h%-%x+)" .. SEP .. "(.-)" .. CLOSE
local typst = FORMAT:match("typst") ~= nil

local uses = {}    -- id -> number of uses so far
local texts = {}   -- shown text -> set of ids (to make names distinct where texts repeat)

local function typst_inlines(inlines)
  local doc = pandoc.Pandoc({ pandoc.Plain(inlines) })
  return (pandoc.write(doc, "typst"):gsub("%s+$", ""))
end

local function link(id, text)
  uses[id] = (uses[id] or 0) + 1
  local anchor = id .. "-" .. uses[id]
  local n = 0
  for _ in pairs(texts[text] or {}) do n = n + 1 end
  local name = "Herkomst van " .. text .. (n > 1 and (" (" .. id .. ")") or "")
  if typst then
    return pandoc.RawInline("typst", string.format(
      "#link(<%s>)[#text(fill: black)[%s]]#metadata(\"herkomst\")<%s>",
      id, typst_inlines({ pandoc.Str(text) }), anchor))
  end
  return pandoc.Link({ pandoc.Str(text) }, "#" .. id, name,
    pandoc.Attr(anchor, { "herkomst" }, { { "aria-label", name } }))
end

local function head_link(id, text)
  local n = 0
  for _ in pairs(texts[text] or {}) do n = n + 1 end
  local name = "Herkomst van " .. text .. (n > 1 and (" (" .. id .. ")") or "")
  if typst then
    return pandoc.Str(text)
  end
  return pandoc.Link({ pandoc.Str(text) }, "#" .. id, name, pandoc.Attr("", { "herkomst" }, { { "aria-label", name } }))
end

local function split(el, make)
  make = make or link
  local s = el.text
  if not s:find(OPEN, 1, true) then
    return nil
  end
  local out, pos = {}, 1
  while true do
    local a, b, id, text = s:find(PATTERN, pos)
    if not a then
      break
    end
    if a > pos then
      out[#out + 1] = pandoc.Str(s:sub(pos, a - 1))
    end
    out[#out + 1] = make(id, text)
    pos = b + 1
  end
  if pos <= #s then
    out[#out + 1] = pandoc.Str(s:sub(pos))
  end
  return out
end

local function back(span)
  local id = span.attributes["ref"]
  local out = { pandoc.Str("Gebruikt"), pandoc.Space(), pandoc.Str("in"), pandoc.Space(), pandoc.Str("de"),
    pandoc.Space(), pandoc.Str("tekst:") }
  local n = uses[id] or 0
  if n == 0 then
    out[#out + 1] = pandoc.Space()
    out[#out + 1] = pandoc.Str("alleen als invoer of in een figuur.")
    return out
  end
  for i = 1, n do
    out[#out + 1] = pandoc.Space()
    local name = "Gebruik " .. i .. " van " .. id
    if typst then
      out[#out + 1] = pandoc.RawInline("typst", string.format("#link(<%s-%d>)[%d]", id, i, i))
    else
      out[#out + 1] = pandoc.Link({ pandoc.Str(tostring(i)) }, "#" .. id .. "-" .. i, name,
        pandoc.Attr("", { "herkomst-terug" }, { { "aria-label", name } }))
    end
  end
  return out
end

function Pandoc(doc)
  -- first pass: which texts are shown for more than one record
  doc:walk({
    Str = function(s)
      for id, text in s.text:gmatch(PATTERN) do
        texts[text] = texts[text] or {}
        texts[text][id] = true
      end
    end,
  })
  local in_head = { Str = function(el) return split(el, head_link) end }
  doc = doc:walk({
    Table = function(tbl)
      local head = tbl.head
      local rows = head.rows
      for i, row in ipairs(rows) do
        local cells = row.cells
        for j, cell in ipairs(cells) do
          cell.contents = cell.contents:walk(in_head)
          cells[j] = cell
        end
        row.cells = cells
        rows[i] = row
      end
      head.rows = rows
      tbl.head = head
      return tbl
    end,
  })
  doc = doc:walk({ Str = function(el) return split(el) end })
  doc = doc:walk({
    Span = function(span)
      if span.classes:includes("herkomst-terug") then
        return back(span)
      end
    end,
    Div = function(div)
      if typst and div.classes:includes("herkomst-record") and div.identifier ~= "" then
        -- the record's anchor: a metadata label at the start of its first paragraph
        local first = div.content[1]
        if first and (first.t == "Para" or first.t == "Plain") then
          first.content:insert(1, pandoc.RawInline("typst", "#metadata(\"herkomst\")<" .. div.identifier .. ">"))
        end
        -- the appendix is long: its records in a smaller size, closer together
        local out = pandoc.List({ pandoc.RawBlock("typst", "#block(above: 0.7em, below: 0.7em)[#set text(size: 9pt); #set par(spacing: 0.5em)") })
        out:extend(div.content)
        out[#out + 1] = pandoc.RawBlock("typst", "]")
        return out
      end
    end,
  })
  return doc
end
