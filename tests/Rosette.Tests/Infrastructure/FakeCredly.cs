using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace Rosette.Tests.Infrastructure;

/// <summary>What the fake does to the next matching request instead of (or besides) answering normally.</summary>
public enum CredlyFault
{
    /// <summary>Answers 500 without doing anything.</summary>
    ServerError,

    /// <summary>Does the work, then holds the answer until the test releases it (<see cref="FakeCredly.ReleaseHeld"/>).</summary>
    HoldAfterWork,

    /// <summary>Holds the request until the test releases it, then does the work and answers: a request still on its way.</summary>
    HoldBeforeWork,

    /// <summary>Does the work, then answers with its status and an empty body (the badge id never reaches the client).</summary>
    EmptyAnswerAfterWork,

    /// <summary>Answers 429 with Retry-After: 120.</summary>
    RateLimited,

    /// <summary>Answers 422 for a reason other than a duplicate (an invalid field), creating nothing.</summary>
    Unprocessable,

    /// <summary>Answers 401 with a message that quotes the request's Authorization header and the token in it.</summary>
    UnauthorizedEchoingCredentials,

    /// <summary>Answers 500 with a 4 MB body.</summary>
    HugeAnswer,
}

/// <summary>
/// A stand-in for Credly's issued-badges API: WireMock.Net on loopback, with state (badges per earner and template)
/// so that duplicates answer 422 and lookups find what was created, faults to inject, and a record of every request.
/// As Credly documents it: a badge is a duplicate when its template is the same and its recipient_email or its
/// issuer_earner_id is; the list of issued badges filters by <c>issuer_earner_id</c>, <c>recipient_email</c>,
/// <c>badge_template_id</c> and <c>state</c> (<c>key::value|key::value</c>); at most this many requests are in flight at once
/// is recorded (<see cref="MaxInFlight"/>).
/// </summary>
public sealed class FakeCredly : IDisposable
{
    public const string Organization = "credly-org-1";
    public const string Token = "credly-secret-token";

    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly ConcurrentDictionary<string, Badge> _badges = new();
    private readonly List<(string Email, string Method, CredlyFault Fault)> _faults = [];
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, int> _posts = new();
    private readonly List<(string? Email, TaskCompletionSource Released)> _held = [];
    private readonly List<(string Email, int Count, TaskCompletionSource Reached)> _holdWaiters = [];
    private readonly Dictionary<string, int> _holds = [];
    private int _inFlight;
    private int _maxInFlight;

    public FakeCredly()
    {
        _server.Given(Request.Create().UsingAnyMethod().WithPath(new WireMock.Matchers.WildcardMatcher("/v1/*")))
            .AtPriority(100)
            .RespondWith(Response.Create().WithCallback(HandleAsync));
    }

    public sealed record Badge(string Id, string Email, string TemplateId, string EarnerId, JsonObject Body)
    {
        public string State { get; set; } = "pending";

        public string? RevocationReason { get; set; }
    }

    public string ApiBaseUrl => $"{_server.Url}/v1";

    /// <summary>Every answer is delayed this long (to see how many requests are in flight at once).</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Every request fails with 500 while set.</summary>
    public bool Down { get; set; }

    /// <summary>Badges created, by earner email and template: exactly-once means every count is 1.</summary>
    public IReadOnlyCollection<Badge> Badges => _badges.Values.ToList();

    public int Creations(string email) => _badges.Values.Count(b => b.Email == email);

    /// <summary>POST requests received about this earner, counted as they arrive (whatever became of their answer).</summary>
    public int Posts(string email) => _posts.GetValueOrDefault(email);

    public int Requests(string method) => _server.LogEntries.Count(e => e.RequestMessage!.Method == method);

    public IReadOnlyList<JsonObject> IssueBodies => _server.LogEntries
        .Where(e => e.RequestMessage!.Method == "POST")
        .Select(e => JsonNode.Parse(e.RequestMessage!.Body!)!.AsObject()).ToList();

    /// <summary>The bodies of the revoke requests (PUT .../revoke).</summary>
    public IReadOnlyList<JsonObject> RevokeBodies => _server.LogEntries
        .Where(e => e.RequestMessage!.Method == "PUT")
        .Select(e => JsonNode.Parse(e.RequestMessage!.Body!)!.AsObject()).ToList();

    /// <summary>The most requests that were being answered at the same moment since the last <see cref="ResetMaxInFlight"/>.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public void ResetMaxInFlight() => Volatile.Write(ref _maxInFlight, 0);

    public IReadOnlyList<string?> Authorizations => _server.LogEntries
        .Select(e => e.RequestMessage!.Headers?.TryGetValue("Authorization", out var value) == true ? value.FirstOrDefault() : null).ToList();

    /// <summary>The next <paramref name="times"/> requests with this method about this earner meet the fault.</summary>
    public void Fail(string email, string method, CredlyFault fault, int times = 1)
    {
        lock (_gate)
        {
            for (var i = 0; i < times; i++)
            {
                _faults.Add((email, method, fault));
            }
        }
    }

    /// <summary>A badge that Credly has although Rosette never recorded it (for the 422 duplicate path).</summary>
    public void Preload(string email, string templateId, string earnerId = "")
    {
        var id = Guid.NewGuid().ToString();
        _badges[id] = new Badge(id, email, templateId, earnerId, []);
    }

    /// <summary>How many requests about this earner have been held so far (released or not).</summary>
    public int Holds(string email)
    {
        lock (_gate)
        {
            return _holds.GetValueOrDefault(email);
        }
    }

    /// <summary>Completes when <paramref name="count"/> requests about this earner have been held: the point a test acts at.</summary>
    public Task HeldAsync(string email, int count = 1)
    {
        lock (_gate)
        {
            if (_holds.GetValueOrDefault(email) >= count)
            {
                return Task.CompletedTask;
            }
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _holdWaiters.Add((email, count, reached));
            return reached.Task;
        }
    }

    /// <summary>Lets every held request go on.</summary>
    public void ReleaseHeld()
    {
        lock (_gate)
        {
            _held.ForEach(h => h.Released.TrySetResult());
            _held.Clear();
        }
    }

    public void Dispose()
    {
        ReleaseHeld();
        _server.Stop();
    }

    private async Task HoldAsync(string? email)
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _held.Add((email, released));
            if (email is not null)
            {
                var holds = _holds[email] = _holds.GetValueOrDefault(email) + 1;
                foreach (var waiter in _holdWaiters.Where(w => w.Email == email && w.Count <= holds).ToList())
                {
                    waiter.Reached.TrySetResult();
                    _holdWaiters.Remove(waiter);
                }
            }
        }
        await released.Task;
    }

    private async Task<IResponseMessage> HandleAsync(IRequestMessage request)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            for (var max = Volatile.Read(ref _maxInFlight); inFlight > max; max = Volatile.Read(ref _maxInFlight))
            {
                Interlocked.CompareExchange(ref _maxInFlight, inFlight, max);
            }
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency);
            }
            return await AnswerAsync(request);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<IResponseMessage> AnswerAsync(IRequestMessage request)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Token}:"));
        var authorization = request.Headers?.TryGetValue("Authorization", out var value) == true ? value.FirstOrDefault() : null;
        if (authorization != expected)
        {
            return Json(401, """{"data":{"message":"Invalid token"}}""");
        }
        if (Down)
        {
            return Json(500, """{"data":{"message":"Internal server error"}}""");
        }
        CredlyFault? fault = null;
        var email = EmailOf(request);
        if (request.Method == "POST" && email is not null)
        {
            _posts.AddOrUpdate(email, 1, (_, n) => n + 1);
        }
        lock (_gate)
        {
            var index = _faults.FindIndex(f => f.Email == email && f.Method == request.Method);
            if (index >= 0)
            {
                fault = _faults[index].Fault;
                _faults.RemoveAt(index);
            }
        }
        switch (fault)
        {
            case CredlyFault.ServerError:
                return Json(500, """{"data":{"message":"Internal server error"}}""");
            case CredlyFault.RateLimited:
                var limited = Json(429, """{"data":{"message":"Too many requests"}}""");
                limited.Headers!["Retry-After"] = new WireMockList<string>("120");
                return limited;
            case CredlyFault.Unprocessable:
                return Json(422, """{"data":{"message":"Validation failed","errors":[{"attribute":"issued_to_last_name","messages":["is too long"]}]}}""");
            case CredlyFault.HugeAnswer:
                return Json(500, new string(' ', 4 << 20) + "{}");
            case CredlyFault.UnauthorizedEchoingCredentials:
                var quoted = request.Headers?.TryGetValue("Authorization", out var sent) == true ? sent.FirstOrDefault() : null;
                return Json(401, new JsonObject { ["data"] = new JsonObject { ["message"] = $"Bad token {Token} in header {quoted}" } }.ToJsonString());
        }
        if (fault == CredlyFault.HoldBeforeWork)
        {
            await HoldAsync(email);
        }
        var answer = Work(request);
        if (fault == CredlyFault.HoldAfterWork)
        {
            await HoldAsync(email);
        }
        return fault == CredlyFault.EmptyAnswerAfterWork ? new ResponseMessage { StatusCode = answer.StatusCode } : answer;
    }

    /// <summary>The earner a request is about, by email (a lookup by earner id is traced to the email of that earner's badges).</summary>
    private string? EmailOf(IRequestMessage request)
    {
        if (request.Method == "POST" && request.Body is { Length: > 0 } body)
        {
            return (string?)JsonNode.Parse(body)?["recipient_email"];
        }
        var terms = Filter(request);
        return terms.TryGetValue("recipient_email", out var email) ? email
            : terms.TryGetValue("issuer_earner_id", out var earner) ? _badges.Values.FirstOrDefault(b => b.EarnerId == earner)?.Email
            : null;
    }

    private static Dictionary<string, string> Filter(IRequestMessage request)
    {
        var filter = request.Query?.TryGetValue("filter", out var values) == true ? values.FirstOrDefault() ?? "" : "";
        return filter.Split('|').Select(t => t.Split("::")).Where(t => t.Length == 2).ToDictionary(t => t[0], t => t[1]);
    }

    private ResponseMessage Work(IRequestMessage request)
    {
        var segments = request.Path.Trim('/').Split('/');
        // v1/organizations/{org}/badges[/{id}/revoke]
        if (segments.Length < 4 || segments[1] != "organizations" || segments[2] != Organization || segments[3] != "badges")
        {
            return Json(404, """{"data":{"message":"Not found"}}""");
        }
        lock (_gate)
        {
            if (request.Method == "POST" && segments.Length == 4)
            {
                var body = JsonNode.Parse(request.Body!)!.AsObject();
                var email = (string)body["recipient_email"]!;
                var template = (string)body["badge_template_id"]!;
                var earner = (string?)body["issuer_earner_id"] ?? "";
                var duplicate = _badges.Values.FirstOrDefault(b => b.TemplateId == template && b.State != "revoked" && (b.Email == email || (earner.Length > 0 && b.EarnerId == earner)));
                if (duplicate is not null && (string?)body["duplicate_behavior"] == "replace")
                {
                    // Credly's replace-on-duplicate (issuer help, "Bulk Replacement"): the badge takes the new data (expiry, evidence), not a new issued_at.
                    var replaced = duplicate with { Body = body };
                    replaced.State = duplicate.State;
                    _badges[duplicate.Id] = replaced;
                    return Json(201, JsonSerializer.Serialize(new { data = Describe(replaced) }));
                }
                if (duplicate is not null)
                {
                    return Json(422, """{"data":{"message":"Validation failed","errors":[{"attribute":"badge_template_id","messages":["cannot be issued to this earner twice"]}]}}""");
                }
                var badge = new Badge(Guid.NewGuid().ToString(), email, template, earner, body);
                _badges[badge.Id] = badge;
                return Json(201, JsonSerializer.Serialize(new { data = Describe(badge) }));
            }
            if (request.Method == "GET" && segments.Length == 4)
            {
                var terms = Filter(request);
                var found = _badges.Values.Where(b =>
                    (!terms.TryGetValue("recipient_email", out var email) || b.Email == email)
                    && (!terms.TryGetValue("issuer_earner_id", out var earner) || b.EarnerId == earner)
                    && (!terms.TryGetValue("badge_template_id", out var template) || b.TemplateId == template)
                    && (!terms.TryGetValue("state", out var states) || states.Split(',').Contains(b.State)));
                return Json(200, JsonSerializer.Serialize(new { data = found.Select(Describe) }));
            }
            if (request.Method == "PUT" && segments.Length == 6 && segments[5] == "revoke")
            {
                if (!_badges.TryGetValue(segments[4], out var badge))
                {
                    return Json(404, """{"data":{"message":"Badge not found"}}""");
                }
                badge.State = "revoked";
                badge.RevocationReason = (string?)JsonNode.Parse(request.Body!)?["reason"];
                return Json(200, JsonSerializer.Serialize(new { data = new { id = badge.Id, state = badge.State } }));
            }
        }
        return Json(404, """{"data":{"message":"Not found"}}""");
    }

    /// <summary>A badge as Credly's API returns it (the fields Rosette and the tests read).</summary>
    private static object Describe(Badge badge) => new
    {
        id = badge.Id,
        state = badge.State,
        recipient_email = badge.Email,
        issuer_earner_id = badge.EarnerId.Length > 0 ? badge.EarnerId : null,
        badge_template = new { id = badge.TemplateId },
    };

    private static ResponseMessage Json(int status, string body) => new()
    {
        StatusCode = status,
        BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") },
    };
}

/// <summary>A loopback server that accepts each connection and resets it (TCP RST) without answering.</summary>
public sealed class ResettingServer : IDisposable
{
    private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public ResettingServer()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public int Connections { get; private set; }

    public string ApiBaseUrl => $"http://127.0.0.1:{((System.Net.IPEndPoint)_listener.LocalEndpoint).Port}/v1";

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var socket = await _listener.AcceptSocketAsync(_stop.Token);
                Connections++;
                var buffer = new byte[4096];
                await socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, _stop.Token);
                socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
                socket.Close();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // The client went away first.
            }
        }
    }
}
