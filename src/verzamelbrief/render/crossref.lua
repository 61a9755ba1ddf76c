-- Numbers figures and tables and resolves @fig-/@tbl- references, as Quarto does.
--
-- Without it pandoc reads `@fig-x` as a citation. For HTML the filter writes the
-- number into each caption ("Figuur 1: ...") and turns references into links; for
-- Typst it leaves numbering to Typst (which writes "Figuur 1" / "Tabel 1" with
-- `lang: nl`) and emits native `@fig-x` references. A reference to an unknown label,
-- or a citation that is not a cross-reference, stops the render.

local PREFIX = { fig = "Figuur", tbl = "Tabel" }
local numbers = {}
local counts = { fig = 0, tbl = 0 }
local is_typst = FORMAT:match("typst") ~= nil

local function kind_of(id)
  return id and id:match("^(%a+)%-") or nil
end

local function register(id)
  local kind = kind_of(id)
  if PREFIX[kind] then
    if numbers[id] then
      error("crossref: label '" .. id .. "' is used twice")
    end
    counts[kind] = counts[kind] + 1
    numbers[id] = counts[kind]
  end
end

local function caption_prefix(id)
  return pandoc.Inlines({ pandoc.Str(PREFIX[kind_of(id)]), pandoc.Space(), pandoc.Str(tostring(numbers[id]) .. ":"), pandoc.Space() })
end

local function prefix_caption(caption, id)
  local long = caption.long
  if #long == 0 then
    long = pandoc.Blocks({ pandoc.Plain(caption_prefix(id)) })
  else
    local first = long[1]
    first.content = caption_prefix(id) .. first.content
  end
  caption.long = long
  return caption
end

-- Tables come as a Div #tbl-x holding one captioned table (Quarto's syntax).
local function table_in(div)
  if #div.content == 1 and div.content[1].t == "Table" then
    return div.content[1]
  end
  error("crossref: div '" .. div.identifier .. "' must hold exactly one table")
end

function Pandoc(doc)
  -- Pass 1: number in document order.
  doc.blocks:walk({
    Figure = function(f) register(f.identifier) end,
    Div = function(d) if kind_of(d.identifier) == "tbl" then register(d.identifier) end end,
  })
  -- Pass 2: captions, table ids and references.
  doc.blocks = doc.blocks:walk({
    Figure = function(f)
      if not is_typst and numbers[f.identifier] then
        f.caption = prefix_caption(f.caption, f.identifier)
      end
      if not is_typst then
        -- like Quarto: an image's fig-alt becomes its alt text
        f = f:walk({
          Image = function(img)
            local alt = img.attributes["fig-alt"]
            if alt then
              img.attributes["fig-alt"] = nil
              img.caption = pandoc.Inlines(alt)
              return img
            end
          end,
        })
      end
      return f
    end,
    Div = function(d)
      if kind_of(d.identifier) ~= "tbl" then return nil end
      local tbl = table_in(d)
      if #tbl.caption.long == 0 then
        error("crossref: table '" .. d.identifier .. "' has no caption")
      end
      tbl.identifier = d.identifier
      if not is_typst then
        tbl.caption = prefix_caption(tbl.caption, d.identifier)
      end
      return tbl
    end,
    Table = function(t)
      if is_typst and t.identifier == "" and #t.caption.long == 0 then
        error("crossref: a table without caption would be numbered by Typst; give it a caption and a tbl- label")
      end
    end,
    Cite = function(c)
      local out = pandoc.Inlines({})
      for i, citation in ipairs(c.citations) do
        local id = citation.id
        local kind = kind_of(id)
        if not PREFIX[kind] then
          error("crossref: '@" .. id .. "' is a citation, and this report has no bibliography")
        end
        if not numbers[id] then
          error("crossref: reference '@" .. id .. "' points to no figure or table")
        end
        if i > 1 then out:insert(pandoc.Str(", ")) end
        if is_typst then
          out:insert(pandoc.RawInline("typst", "@" .. id))
        else
          out:insert(pandoc.Link(PREFIX[kind] .. "\u{A0}" .. numbers[id], "#" .. id))
        end
      end
      return out
    end,
  })
  return doc
end
