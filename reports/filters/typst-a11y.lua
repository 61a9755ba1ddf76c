-- Typst only, for Quarto and the offline renderer alike:
--
-- * an unnumbered heading keeps its label. Quarto up to 1.8 writes `.unnumbered`
--   headings as `#heading(numbering: none)[…]` without the label, so a link to one
--   breaks the Typst compile (fixed upstream in Quarto 1.9);
-- * every image carries its alt text (`fig-alt`, else its description) into Typst's
--   `image(alt: …)`, which pandoc's Typst writer leaves out. Tagged PDF (and PDF/UA)
--   needs it;
-- * a closing quote ’ stays the ’ it is: pandoc's Typst writer writes ’ as a straight ',
--   which Typst's smart quotes then guess anew: a prime after a digit (‘in 2025′), an
--   opening quote after a full stop or a closing double quote (‘jl.‘, “echt ontzorgen”‘).
--   Every ’ goes to Typst as itself, so nothing is guessed.

if not FORMAT:match("typst") then
  return {}
end

local function typst_string(s)
  return '"' .. s:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", " ") .. '"'
end

local function typst_inlines(inlines)
  local doc = pandoc.Pandoc({ pandoc.Plain(inlines) })
  return (pandoc.write(doc, "typst"):gsub("%s+$", ""))
end

function Header(h)
  if h.identifier == "" or not h.classes:includes("unnumbered") then
    return nil
  end
  return pandoc.RawBlock("typst", string.format(
    "#heading(level: %d, numbering: none)[%s] <%s>", h.level, typst_inlines(h.content), h.identifier))
end

function Image(img)
  local alt = img.attributes["fig-alt"]
  if not alt or alt == "" then
    alt = pandoc.utils.stringify(img.caption)
  end
  if alt == "" then
    error("typst-a11y: image '" .. img.src .. "' has no alt text (fig-alt)")
  end
  return pandoc.RawInline("typst", string.format("#box(image(%s, alt: %s))", typst_string(img.src), typst_string(alt)))
end

local RSQUO = "\u{2019}"

function Str(s)
  local text = s.text
  if not text:find(RSQUO, 1, true) then
    return nil
  end
  local out, pos = {}, 1
  while true do
    local a, b = text:find(RSQUO, pos, true)
    if not a then
      break
    end
    if a > pos then
      out[#out + 1] = pandoc.Str(text:sub(pos, a - 1))
    end
    out[#out + 1] = pandoc.RawInline("typst", RSQUO)
    pos = b + 1
  end
  if pos <= #text then
    out[#out + 1] = pandoc.Str(text:sub(pos))
  end
  return out
end
