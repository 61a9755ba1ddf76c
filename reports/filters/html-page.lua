-- HTML only, for Quarto and the offline renderer alike: the page's structure.
--
-- * The letter's particulars (reference, sender, letter-particulars) and, apart from them,
--   the date of this reproduction, from the document's metadata, as definition lists under
--   the title, then the notice (the Typst template prints the same fields for the PDF).
-- * The letter head and the reproduction notice first, then the table of contents (made
--   here, the same for Quarto and pandoc, numbered like the sections), then a
--   <main id="inhoud"> landmark round the whole text, the target of the skip link
--   (styles/skip-link.html, included before the body).
-- * Footnotes as endnotes inside <main>, each link named by its number ("Voetnoot 3",
--   "Terug naar de tekst bij voetnoot 3") rather than pandoc's bare "↩︎", so every link
--   has a name of its own.
-- * Every table inside a focusable, labelled region that scrolls sideways on its own
--   when the table is wider than a phone's screen.

if not FORMAT:match("html") then
  return {}
end

local function escape_attr(s)
  return (s:gsub("&", "&amp;"):gsub('"', "&quot;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

-- The letter's particulars (title of the letter, sender, what the reference text lacks) and,
-- apart from them, the date of this reproduction: the report's date is never shown where it
-- could be taken for the letter's. The title block then carries no date of its own.
local function fields(list, classes)
  local items = {}
  for _, f in ipairs(list) do
    if f[2] then
      table.insert(items, { pandoc.Inlines(f[1]), { pandoc.Plain(pandoc.Inlines(f[2])) } })
    end
  end
  if #items == 0 then
    return nil
  end
  return pandoc.Div(pandoc.DefinitionList(items), pandoc.Attr("", classes))
end

local function letter_head(meta)
  local blocks = pandoc.Blocks({})
  local letter = fields({ { "Brief", meta.reference }, { "Afzender brief", meta.sender },
    { "Datum en Kamerstuk van de brief", meta["letter-particulars"] } }, { "letter-fields" })
  local own = fields({ { "Datum van deze reproductie", meta.date } }, { "letter-fields", "reproduction-fields" })
  if letter then blocks:insert(letter) end
  if own then blocks:insert(own) end
  if meta.notice then
    blocks:insert(pandoc.Div(pandoc.Para(pandoc.Inlines(meta.notice)), pandoc.Attr("", { "notice" }, { role = "note" })))
  end
  return blocks
end

local function region_label(caption)
  -- the offline renderer has numbered the caption already; Quarto numbers it later
  caption = caption:gsub("^Tabel %d+: ", "")
  return caption ~= "" and ("Tabel: " .. caption) or "Tabel"
end

local function scroll_region(el, caption)
  -- attributes as a list, so they come out in the same order every time
  return pandoc.Div({ el }, pandoc.Attr("", { "table-scroll" },
    { { "role", "region" }, { "tabindex", "0" }, { "aria-label", region_label(caption) } }))
end

local notes = {}

-- Pass 1: footnote references, and tables into their scroll regions.
local inline_pass = {
  Note = function(note)
    table.insert(notes, note.content)
    local n = #notes
    return pandoc.RawInline("html", string.format(
      '<a href="#voetnoot-%d" id="voetnoot-ref-%d" class="footnote-ref" role="doc-noteref" aria-label="Voetnoot %d"><sup>%d</sup></a>',
      n, n, n, n))
  end,
  -- Quarto only: the wrapper round an embedded cell names the notebook by its absolute
  -- path (a local folder in the report, and a different report in every folder)
  Div = function(div)
    if div.classes:includes("quarto-embed-nb-cell") then
      return div.content
    end
  end,
  Table = function(t)
    -- the offline renderer has put the caption into the table; under Quarto the
    -- caption belongs to the float around it (below)
    return scroll_region(t, pandoc.utils.stringify(t.caption.long))
  end,
  -- Quarto only: a figure float's alt text stays on its image (Quarto 1.7 also copies it
  -- onto the float's <div>, where HTML allows no alt); a table float names its region
  -- after its caption
  FloatRefTarget = function(float)
    if float.type == "Figure" and float.attributes["fig-alt"] then
      float.attributes["fig-alt"] = nil
      return float
    end
    if float.type ~= "Table" or not float.caption_long then
      return nil
    end
    local caption = pandoc.utils.stringify(float.caption_long)
    float.content = pandoc.Blocks(float.content):walk({
      Div = function(div)
        if div.classes:includes("table-scroll") then
          div.attributes["aria-label"] = region_label(caption)
          return div
        end
      end,
    })
    return float
  end,
}

-- Pass 2: letter head, <main>, and the endnotes at the end of it.
-- The top-level headings as a numbered list of links; unnumbered ones without a number.
local function contents(blocks, title)
  local items, n = pandoc.List({}), 0
  for _, block in ipairs(blocks) do
    if block.t == "Header" and block.level == 1 and block.identifier ~= "" then
      local label = pandoc.Inlines({})
      if not block.classes:includes("unnumbered") then
        n = n + 1
        label:insert(pandoc.Span(pandoc.Inlines(tostring(n)), pandoc.Attr("", { "toc-section-number" })))
        label:insert(pandoc.Space())
      end
      label:extend(block.content)
      items:insert({ pandoc.Plain({ pandoc.Link(label, "#" .. block.identifier) }) })
    end
  end
  return pandoc.Blocks({
    pandoc.RawBlock("html", string.format('<nav id="TOC" role="doc-toc" aria-labelledby="toc-title">\n<h2 id="toc-title">%s</h2>', title)),
    pandoc.BulletList(items),
    pandoc.RawBlock("html", "</nav>"),
  })
end

local page_pass = {
  Pandoc = function(doc)
    local body = pandoc.Blocks({ pandoc.RawBlock("html", '<section class="letter-head" aria-label="Gegevens van de brief en van deze reproductie">') })
    body:extend(letter_head(doc.meta))
    doc.meta.date = nil  -- shown, labelled, in the letter head only
    body:insert(pandoc.RawBlock("html", "</section>"))
    body:extend(contents(doc.blocks, "Inhoud"))
    body:insert(pandoc.RawBlock("html", '<main id="inhoud">'))
    body:extend(doc.blocks)
    if #notes > 0 then
      body:insert(pandoc.RawBlock("html", '<section class="footnotes" role="doc-endnotes" aria-label="Voetnoten">\n<hr>\n<ol>'))
      for n, content in ipairs(notes) do
        body:insert(pandoc.RawBlock("html", string.format('<li id="voetnoot-%d">', n)))
        body:extend(content)
        body:insert(pandoc.RawBlock("html", string.format(
          '<p class="footnote-back"><a href="#voetnoot-ref-%d" role="doc-backlink">Terug naar de tekst bij voetnoot %d</a></p></li>', n, n)))
      end
      body:insert(pandoc.RawBlock("html", "</ol>\n</section>"))
    end
    body:insert(pandoc.RawBlock("html", "</main>"))
    doc.blocks = body
    return doc
  end,
}

return { inline_pass, page_pass }
