from test_browser import server, CHROMIUM, CHROMIUM_ARGS  # noqa
def test_shots(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = b.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(server); page.wait_for_selector(".pl-aligned tr.pl-row", timeout=60000)
        page.get_by_role("button", name="Translate").click()
        page.wait_for_selector('[data-testid="stDownloadButton"]', timeout=60000)
        page.get_by_text("One row per sentence").click()
        page.wait_for_selector('.pl-aligned[data-by="sentence"]', timeout=30000)
        page.locator('tr.pl-row').nth(8).locator('td[lang="zh"] .pl-s').hover()
        page.wait_for_timeout(300)
        page.screenshot(path="/tmp/scratch/sentences.png")
        b.close()
