-- A realistic browser navigation request: what Chromium sends for a page load on a site
-- where the user is logged in. The harness reads the wrk.headers lines below to send the
-- same request once before measuring, so keep one header per line in this form.
wrk.method = "GET"
wrk.headers["Host"] = "www.example.com"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
wrk.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
wrk.headers["Accept-Language"] = "en-US,en;q=0.9,fr;q=0.8,de;q=0.7"
wrk.headers["Accept-Encoding"] = "gzip, deflate, br"
wrk.headers["Connection"] = "keep-alive"
wrk.headers["Referer"] = "https://www.example.com/friends/feed?page=2"
wrk.headers["Cookie"] = "_xsrf=2|8a3f1c2e|9b0d4f6e2a1c7b3d5e8f0a1b2c3d4e5f|1714060800; user=\"2|1:0|10:1714060800|4:user|8:YWxpY2U=|5c1e0f8a9b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e\"; locale=en_US; theme=dark; _ga=GA1.2.1234567890.1714060800"
wrk.headers["Upgrade-Insecure-Requests"] = "1"
wrk.headers["Sec-Fetch-Dest"] = "document"
wrk.headers["Sec-Fetch-Mode"] = "navigate"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.headers["Sec-Fetch-User"] = "?1"
wrk.headers["Cache-Control"] = "max-age=0"
