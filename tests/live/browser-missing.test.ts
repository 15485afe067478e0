/** Without the browser the page tests fail with the line that says how to install it. */
import { describe, expect, it } from 'vitest';
import { launchBrowser } from './browser.ts';

describe('launchBrowser', () => {
  it('fails with the apt-get line when chromium is missing', async () => {
    await expect(launchBrowser(undefined, '/nonexistent/chromium')).rejects.toThrow(
      "/nonexistent/chromium not found: install it with 'apt-get install chromium' (or set TRIPOD_SKIP_BROWSER=1 to skip the browser tests)",
    );
  });
});
