-- HTML only: put SVG figures inline (not as base64 images), so the text in them stays
-- sharp and the file stays self-contained. Each SVG gets role="img", an aria-label and
-- a <title> with the figure's alt text (or caption), and its ids are prefixed so that
-- several matplotlib figures can share one page. Used by Quarto (`filters:` in
-- _quarto.yml) and by the offline renderer.

if not FORMAT:match("html") then
  return {}
end

local count = 0

local function escape_attr(s)
  return (s:gsub("&", "&amp;"):gsub('"', "&quot;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

local function read(path)
  local fh = io.open(path, "rb")
  if not fh then
    for _, dir in ipairs(PANDOC_STATE.resource_path or {}) do
      fh = io.open(dir .. "/" .. path, "rb")
      if fh then break end
    end
  end
  if not fh then return nil end
  local data = fh:read("a")
  fh:close()
  return data
end

local function inline_svg(img, alt)
  local svg = read(img.src)
  if not svg then
    error("inline-svg: cannot read " .. img.src)
  end
  count = count + 1
  local prefix = "f" .. count .. "-"
  svg = svg:gsub("^%s*<%?xml.-%?>%s*", ""):gsub("<!DOCTYPE.->%s*", "")
  svg = svg:gsub(' id="', ' id="' .. prefix)
  svg = svg:gsub('href="#', 'href="#' .. prefix)
  svg = svg:gsub("url%(#", "url(#" .. prefix)
  local label = escape_attr(alt)
  svg = svg:gsub("<svg ", '<svg role="img" aria-label="' .. label .. '" class="figure-svg" ', 1)
  svg = svg:gsub("(<svg.->)", "%1<title>" .. label .. "</title>", 1)
  return pandoc.RawInline("html", svg)
end

function Figure(fig)
  local alt = pandoc.utils.stringify(fig.caption.long)
  return fig:walk({
    Image = function(img)
      if img.src:match("%.svg$") then
        return inline_svg(img, img.attributes["fig-alt"] or alt)
      end
    end,
  })
end
