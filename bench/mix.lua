-- The load's request mix for wrk (bench/load.py writes the data file and reads the result).
--
-- Each wrk thread drives one connection (wrk -t N -c N), so an issue's nine requests
-- follow one another on it. Each draw picks the applicant list (41%), an applicant's
-- page (41%), a counter consultation page (14.6%) or starts an in-person issue (3.4%),
-- whose nine requests (open the consultation at the desk's display, record "apply",
-- draft, record the call to the employer (issue 20), the issuance screen, send the
-- read-back to the display, the display's screen, the seeker's answer on it, the clerk's
-- digits) then follow. Of all requests that makes 32% list, 32% applicant, 11%
-- consultation and 25% issue (27% since the call).
--
-- BENCH_MODE=healthz sends GET /healthz with the same session cookies instead (the
-- framework floor); healthz_anon sends it without cookies.
-- Every answer is checked: a status other than the one expected (200 for pages, 302 for
-- posts) counts as an error, and an issue whose step fails is abandoned.

local data_path = os.getenv("BENCH_DATA")
local out_path = os.getenv("BENCH_OUT")
local mode = os.getenv("BENCH_MODE") or "mix"
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local all = dofile(data_path)
  me = all.threads[((id - 1) % #all.threads) + 1]
  math.randomseed(id * 7919)
  unexpected, issued, abandoned, exhausted = 0, 0, 0, 0
  c_list, c_detail, c_consultation, c_issue, c_healthz = 0, 0, 0, 0, 0
  step, issue_index, expect = nil, 0, 200
  last_unexpected = ""
end

local function employer()
  return me.employers[math.random(#me.employers)]
end

local function form(fields)
  local parts = {}
  for k, v in pairs(fields) do
    table.insert(parts, k .. "=" .. v)
  end
  return table.concat(parts, "&")
end

local function post(path, fields)
  local clerk = me.clerk
  fields.csrfmiddlewaretoken = clerk.csrf
  fields.seeker = current.seeker
  return wrk.format("POST", path, {
    ["Cookie"] = "sessionid=" .. clerk.session .. "; csrftoken=" .. clerk.csrf,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, form(fields))
end

-- The desk's display: its own cookie (no session), the same CSRF secret for brevity.
local function display_cookie()
  return "hellowork_display=" .. me.clerk.display_cookie .. "; csrftoken=" .. me.clerk.csrf
end

local function issue_request()
  c_issue = c_issue + 1
  if step == 1 then
    expect = 302
    return post("/counter/seekers/" .. current.seeker .. "/consultations/",
      { in_person = "1", display = me.clerk.display })
  elseif step == 2 then
    expect = 302
    return post("/counter/consultations/" .. consultation .. "/interests/",
      { posting_number = current.number, decision = "apply" })
  elseif step == 3 then
    expect = 302
    return post("/counter/consultations/" .. consultation .. "/referrals/", { posting = current.posting })
  elseif step == 4 then
    expect = 302
    return post("/counter/referrals/" .. referral .. "/call/",
      { outcome = "accepting", contact_person = "bench" })
  elseif step == 5 then
    expect = 200
    return wrk.format("GET", "/counter/referrals/" .. referral .. "/", {
      ["Cookie"] = "sessionid=" .. me.clerk.session .. "; csrftoken=" .. me.clerk.csrf,
    })
  elseif step == 6 then
    expect = 302
    return post("/counter/referrals/" .. referral .. "/display/", {})
  elseif step == 7 then
    expect = 200
    return wrk.format("GET", "/display/screen/", { ["Cookie"] = display_cookie() })
  elseif step == 8 then
    expect = 302
    return wrk.format("POST", "/display/answer/", {
      ["Cookie"] = display_cookie(),
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, form({ csrfmiddlewaretoken = me.clerk.csrf, readback = readback, answer = "apply",
              era = "western", year = current.year, month = current.month, day = current.day }))
  else
    expect = 302
    return post("/counter/referrals/" .. referral .. "/confirm/", { posting_digits = current.digits })
  end
end

function request()
  if mode == "healthz" then
    c_healthz = c_healthz + 1
    expect = 200
    return wrk.format("GET", "/healthz", { ["Cookie"] = "sessionid=" .. employer().session })
  elseif mode == "healthz_anon" then
    c_healthz = c_healthz + 1
    expect = 200
    return wrk.format("GET", "/healthz")
  end
  if step == nil then
    local r = math.random()
    if r < 0.41 then
      c_list = c_list + 1
      expect = 200
      return wrk.format("GET", "/mypage/", { ["Cookie"] = "sessionid=" .. employer().session })
    elseif r < 0.82 then
      local e = employer()
      c_detail = c_detail + 1
      expect = 200
      return wrk.format("GET", "/mypage/applicants/" .. e.applicants[math.random(#e.applicants)] .. "/",
        { ["Cookie"] = "sessionid=" .. e.session })
    elseif r < 0.966 or issue_index >= #me.clerk.issues then
      if r >= 0.966 then exhausted = exhausted + 1 end
      c_consultation = c_consultation + 1
      expect = 200
      local consultations = me.clerk.consultations
      return wrk.format("GET", "/counter/consultations/" .. consultations[math.random(#consultations)] .. "/",
        { ["Cookie"] = "sessionid=" .. me.clerk.session })
    else
      issue_index = issue_index + 1
      current = me.clerk.issues[issue_index]
      step = 1
    end
  end
  return issue_request()
end

local function last_id(location)
  return location and string.match(location, "/(%d+)/$")
end

function response(status, headers, body)
  if status ~= expect then
    unexpected = unexpected + 1
    last_unexpected = status .. " " .. (step and ("issue step " .. step) or "page")
    if step ~= nil then
      abandoned = abandoned + 1
      step = nil
    end
    return
  end
  if step == nil then
    return
  end
  if step == 1 then
    consultation = last_id(headers["Location"])
  elseif step == 3 then
    referral = last_id(headers["Location"])
  elseif step == 7 then
    readback = body and string.match(body, 'name="readback" value="(%d+)"')
  end
  if step == 9 then
    issued = issued + 1
    step = nil
  else
    step = step + 1
  end
end

function done(summary, latency, requests)
  local totals = { unexpected = 0, issued = 0, abandoned = 0, exhausted = 0, list = 0, detail = 0,
    consultation = 0, issue = 0, healthz = 0 }
  local last = ""
  for _, t in ipairs(threads) do
    totals.unexpected = totals.unexpected + t:get("unexpected")
    totals.issued = totals.issued + t:get("issued")
    totals.abandoned = totals.abandoned + t:get("abandoned")
    totals.exhausted = totals.exhausted + t:get("exhausted")
    totals.list = totals.list + t:get("c_list")
    totals.detail = totals.detail + t:get("c_detail")
    totals.consultation = totals.consultation + t:get("c_consultation")
    totals.issue = totals.issue + t:get("c_issue")
    totals.healthz = totals.healthz + t:get("c_healthz")
    if t:get("last_unexpected") ~= "" then last = t:get("last_unexpected") end
  end
  local e = summary.errors
  local f = assert(io.open(out_path, "w"))
  f:write(string.format(
    '{"requests": %d, "duration_us": %d, "socket_errors": %d, "status_errors": %d, ' ..
    '"timeouts": %d, "unexpected": %d, "last_unexpected": "%s", "issued": %d, "abandoned": %d, ' ..
    '"exhausted": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, ' ..
    '"counts": {"list": %d, "detail": %d, "consultation": %d, "issue": %d, "healthz": %d}}',
    summary.requests, summary.duration, e.connect + e.read + e.write, e.status, e.timeout,
    totals.unexpected, last, totals.issued, totals.abandoned, totals.exhausted,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    totals.list, totals.detail, totals.consultation, totals.issue, totals.healthz))
  f:close()
end
