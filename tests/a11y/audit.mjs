// Audits one HTML file in Debian's Chromium: axe-core (WCAG 2.0/2.1 A and AA plus
// best practice), sideways scroll, table captions cut off by their scrolling region, and
// each image's rendered against natural width.
//   node tests/a11y/audit.mjs FILE.html WIDTH [HEIGHT]   → JSON on stdout
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const [file, width = "1280", height = "900"] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  const external = [];
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    const url = req.url();
    if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("about:")) req.continue();
    else { external.push(url); req.abort(); }
  });
  await page.setViewport({ width: Number(width), height: Number(height) });
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  await page.addScriptTag({ content: readFileSync(require.resolve("axe-core/axe.min.js"), "utf8") });
  const result = await page.evaluate(async () => {
    const axeResult = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    const doc = document.scrollingElement;
    return {
      violations: axeResult.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")), count: v.nodes.length,
      })),
      sidewaysScroll: doc.scrollWidth - doc.clientWidth,
      // elements that stick out to the right, outside any scrolling region
      overflowing: [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 0.5 && !el.closest(".table-scroll"))
        .slice(0, 8).map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")} ` +
          `(${Math.round(el.getBoundingClientRect().right)} px) ${el.textContent.slice(0, 40)}`),
      // table captions that run on past the visible width of their scrolling region
      cutCaptions: [...document.querySelectorAll(".table-scroll > table > caption")]
        .filter((cap) => cap.getBoundingClientRect().right > cap.closest(".table-scroll").getBoundingClientRect().right + 0.5)
        .map((cap) => cap.textContent.slice(0, 60)),
      images: [...document.querySelectorAll("img")].map((img) => ({
        alt: img.getAttribute("alt"), rendered: img.getBoundingClientRect().width, natural: img.naturalWidth,
      })),
    };
  });
  result.external = external;
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
