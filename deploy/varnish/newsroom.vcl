# Varnish 7 in front of the newsroom's app servers, with the xkey vmod (Debian:
# apt-get install varnish varnish-modules). See README.md, "An edge cache in front".
#
# Decisions, in order:
# - Pages are cached only when the app says so (Cache-Control public with s-maxage); the
#   app caps s-maxage at the next scheduled change, so no cron is needed at the edge.
# - Purges arrive by surrogate key (xkey-purge header) from the app servers only (ACL).
# - The admin, previews, mail-link pages, health checks, every POST, and any request
#   with a session or verified-reader cookie go straight to the app; other cookies
#   (analytics, the commenter's name for the form script) are ignored.
# - Tracking parameters are stripped before the lookup: the same list as the app's
#   newsroom.pagecache.query.TRACKING_PARAMETERS (a test keeps the two in step).
# - While the app is up, a reader gets a stale copy only within the page's own
#   stale-while-revalidate; while it is down (probe), any copy within its stale-if-error
#   (a day, unless its signed media links expire sooner).
# - Browsers see the app's short max-age; s-maxage is for this cache alone.
vcl 4.1;

import std;
import xkey;

# The app server (gunicorn). With several, add a backend each and a directors.round_robin.
backend app {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .probe = {
        .url = "/healthz/";
        .interval = 1s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}

# The app servers' addresses: only they may purge.
acl purgers {
    "127.0.0.1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is not allowed from this address"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the keys to purge in an xkey-purge header"));
        }
        return (synth(200, "Purged " + xkey.purge(req.http.xkey-purge) + " objects"));
    }
    if (req.restarts == 0) {
        unset req.http.X-Edge-Refresh;
    } elsif (req.http.X-Edge-Refresh) {
        # Restarted by vcl_hit: the copy is older than the app allows; fetch it now.
        set req.grace = 0s;
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|preview|healthz|readyz|my-data|comments/(confirm|unsubscribe|reader)|newsletters/(confirm|preferences|unsubscribe|webhooks))/" ||
        req.url ~ "^/(admin|healthz|readyz)$") {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|nr_verified)=") {
        return (pass);
    }
    # Tracking parameters (newsroom.pagecache.query.TRACKING_PARAMETERS).
    set req.url = regsuball(req.url, "(?i)(?<=[?&])(?:utm_[^&=]*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|ttclid|igshid|li_fat_id|mc_[^&=]*|_ga|_gl|_hsenc|_hsmi|mkt_tok|ref|ref_src)(?:=[^&]*)?(?:&|$)", "");
    set req.url = regsub(req.url, "[?&]+$", "");
    set req.url = std.querysort(req.url);
    unset req.http.Cookie;
    return (hash);
}

sub vcl_hit {
    if (obj.ttl <= 0s && std.healthy(req.backend_hint) &&
        obj.ttl + std.duration(obj.http.X-Healthy-Grace + "s", 0s) <= 0s) {
        set req.http.X-Edge-Refresh = "1";
        return (restart);
    }
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.status >= 500 || beresp.http.Set-Cookie ||
        beresp.http.Cache-Control !~ "(^|[ ,])public([ ,]|$)" ||
        beresp.http.Cache-Control !~ "s-maxage=[1-9]" ||
        beresp.http.Cache-Control ~ "private|no-store|no-cache") {
        # Not for sharing: ask the app each time (for a short while, without queueing).
        set beresp.ttl = 30s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # Varnish read the page's stale-while-revalidate into beresp.grace: that is how stale
    # a copy may be served while the app is up (vcl_hit). While it is down, as long as the
    # page's stale-if-error allows: a day, less when its signed media links expire sooner.
    set beresp.http.X-Healthy-Grace = beresp.grace;
    set beresp.grace = std.duration(
        regsub(beresp.http.Cache-Control, "^.*stale-if-error=([0-9]+).*$", "\1s"), 24h);
    return (deliver);
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # The long lifetime and the keys are for this cache alone.
    if (resp.http.Cache-Control) {
        set resp.http.Cache-Control = regsub(resp.http.Cache-Control, ",\s*s-maxage=\d+", "");
    }
    unset resp.http.X-Healthy-Grace;
    unset resp.http.xkey;
    return (deliver);
}

sub vcl_backend_error {
    # The app did not answer and no copy of the page is kept: the site's own apology.
    set beresp.http.Content-Type = "text/html; charset=utf-8";
    set beresp.http.Retry-After = "30";
    set beresp.http.Cache-Control = "no-store";
    synthetic({"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Back in a moment</title>
<style>body{margin:0;font:1.125rem/1.5 Georgia,serif;color:#1a1a1a;background:#fbfaf7}
main{max-width:36rem;margin:12vh auto;padding:0 1.25rem}h1{font-size:1.75rem;line-height:1.2;border-bottom:3px solid #1a1a1a;padding-bottom:.5rem}
p{color:#444}</style></head>
<body><main><h1>Back in a moment</h1>
<p>This page could not be loaded just now. Please try again in a minute.</p>
<p>Error 503 &middot; "} + bereq.xid + {"</p></main></body></html>
"});
    return (deliver);
}
