-- HTML only: the letter head's fields (sender, reference, notice) from the document's
-- metadata, as a definition list under the title, so HTML and PDF (where the Typst
-- template prints the same fields) come from one source. Used by Quarto and the
-- offline renderer.

if not FORMAT:match("html") then
  return {}
end

function Pandoc(doc)
  local meta = doc.meta
  local fields = {
    { "Afzender brief", meta.sender },
    { "Betreft", meta.reference },
  }
  local items = {}
  for _, f in ipairs(fields) do
    if f[2] then
      table.insert(items, { pandoc.Inlines(f[1]), { pandoc.Plain(pandoc.Inlines(f[2])) } })
    end
  end
  local blocks = pandoc.Blocks({})
  if #items > 0 then
    blocks:insert(pandoc.Div(pandoc.DefinitionList(items), pandoc.Attr("", { "letter-fields" })))
  end
  if meta.notice then
    blocks:insert(pandoc.Div(pandoc.Para(pandoc.Inlines(meta.notice)), pandoc.Attr("", { "notice" }, { role = "note" })))
  end
  doc.blocks = blocks .. doc.blocks
  return doc
end
