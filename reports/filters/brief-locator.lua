-- Locators in the prose, for Quarto and the offline renderer alike.
--
-- Authors write a place in the letter as a span with class `brief`, holding the locator
-- exactly as the raw data's `locator` column writes it:
--
--     [§3 alinea 2]{.brief}    [§10 Risico’s alinea 3]{.brief}    [§7 alinea 4 punt 1]{.brief}
--
-- This filter shows it in the one Dutch form the tables use (verzamelbrief.letter.display):
-- "brief §3, alinea 2", "brief §10 (Risico’s), alinea 3", "brief §7, alinea 4, punt 1".
-- A span that is not a locator stops the render with a message naming it;
-- tests/test_locators.py checks that every span names a paragraph of the paragraph map
-- (data/raw/letter_paragraphs.csv) and that this filter and the package agree.

local function number(s)
  return s ~= nil and s:match("^[1-9]%d*$") ~= nil
end

local function display(locator)
  local head, rest = locator:match("^§([1-9]%d?) (.*)$")
  local shown
  if head then
    shown = "brief §" .. head
  else
    rest = locator:match("^Aanleiding (.*)$")
    if not rest then return nil end
    shown = "brief (Aanleiding)"
  end
  local sub, paragraph, tail = rest:match("^(.-) ?alinea (%S+)(.*)$")
  if not number(paragraph) then return nil end
  if sub ~= "" then
    if head == nil then return nil end
    shown = shown .. " (" .. sub .. ")"
  end
  shown = shown .. ", alinea " .. paragraph
  if tail ~= "" then
    local kind, n = tail:match("^ (%a+) (%S+)$")
    if (kind ~= "punt" and kind ~= "voetnoot") or not number(n) then return nil end
    shown = shown .. ", " .. kind .. " " .. n
  end
  return shown
end

function Span(span)
  if not span.classes:includes("brief") then
    return nil
  end
  local locator = pandoc.utils.stringify(span.content):gsub("\u{00a0}", " ")
  local shown = display(locator)
  if not shown then
    error("brief-locator.lua: [" .. locator .. "]{.brief} is not a locator of the letter; write it as the raw "
      .. "data does: '§N [subheading] alinea K [punt J | voetnoot F]' (e.g. [§3 alinea 2]{.brief})")
  end
  span.content = { pandoc.Str(shown) }
  span.attributes["data-locator"] = locator
  return span
end
