// Lighthouse (the pinned 12.2.3, desktop preset) on one or more pages, in one Chrome, in turn:
// prints a JSON list with, for each URL given (a URL given twice is audited twice),
// {"scores": {category: score from 0 to 1, ...}, "lcp_ms": {"simulated": ms, "observed": ms}}
// (lcp_ms is null unless the performance category is asked for).
//
//   CHROME_PATH=/usr/bin/chromium node audit.mjs accessibility,seo http://host/ http://host/a/
//
// Why not the `lighthouse` command: it launches a Chrome per page, and after writing its report
// it waits for a 5-second timer that its image gatherer leaves running (12.2.3,
// core/gather/gatherers/image-elements.js); here the pages share one Chrome and the script exits
// once it has the scores. No full-page screenshot is taken: it only illustrates the HTML report.
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';

const [categories, ...urls] = process.argv.slice(2);
if (!categories || urls.length === 0) {
  console.error('usage: node audit.mjs <category,...> <url> [<url> ...]');
  process.exit(2);
}

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu'],
});
const flags = {
  port: chrome.port,
  output: 'json',
  logLevel: 'error',
  onlyCategories: categories.split(','),
  disableFullPageScreenshot: true,
};
const runs = [];
try {
  for (const url of urls) {
    const result = await lighthouse(url, flags, desktopConfig);
    if (result.lhr.runtimeError) {
      throw new Error(`${url}: ${result.lhr.runtimeError.code} ${result.lhr.runtimeError.message}`);
    }
    // with the performance category, the largest contentful paint too: Lighthouse's simulated
    // one (throttled, from the trace), which its score reads, and the one it observed
    const metrics = result.lhr.audits.metrics?.details?.items?.[0];
    runs.push({
      scores: Object.fromEntries(Object.entries(result.lhr.categories).map(([id, c]) => [id, c.score])),
      lcp_ms: metrics
        ? { simulated: metrics.largestContentfulPaint, observed: metrics.observedLargestContentfulPaint }
        : null,
    });
  }
} finally {
  chrome.kill();
}
process.stdout.write(JSON.stringify(runs) + '\n');
process.exit(0);
