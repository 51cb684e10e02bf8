using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Rosette.Tests.Infrastructure;

/// <summary>What the server does with the next mail to a recipient (see <see cref="FakeSmtpServer.FailNext"/>).</summary>
public enum SmtpFault
{
    /// <summary>451 at the end of the message: try again later.</summary>
    Busy,

    /// <summary>550 to RCPT TO: no such mailbox, for good.</summary>
    Rejected,

    /// <summary>No answer to RCPT TO until the server stops: the client times out.</summary>
    Hang,
}

/// <summary>
/// A real SMTP server in the test process (the SmtpServer library, ESMTP with pipelining) on a loopback port: it keeps
/// every message it accepts and plays scripted faults per recipient. It can be stopped and started again on the same
/// port, so that the app meets a refused connection and then a server.
/// </summary>
public sealed class FakeSmtpServer : IAsyncDisposable
{
    private readonly List<string> _messages = [];
    private readonly ConcurrentDictionary<string, ConcurrentQueue<SmtpFault>> _faults = new(StringComparer.OrdinalIgnoreCase);
    private CancellationTokenSource? _stop;
    private Task? _running;

    public FakeSmtpServer(bool start = true)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        if (start)
        {
            Start();
        }
    }

    public int Port { get; }

    /// <summary>The raw text of every message accepted, in order.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>The accepted messages to <paramref name="email"/>, parsed.</summary>
    public IReadOnlyList<MimeMessage> MessagesTo(string email) =>
        Messages.Select(m => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(m))))
            .Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, email, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>The next mails to <paramref name="email"/> meet these faults, one per attempt, in order; later ones are accepted.</summary>
    public void FailNext(string email, params SmtpFault[] faults)
    {
        var queue = _faults.GetOrAdd(email, _ => new ConcurrentQueue<SmtpFault>());
        foreach (var fault in faults)
        {
            queue.Enqueue(fault);
        }
    }

    public void Start()
    {
        var options = new SmtpServerOptionsBuilder().ServerName("smtp.rosette.test")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port))).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Filter(this));
        services.Add(new Store(this));
        _stop = new CancellationTokenSource();
        var server = new SmtpServer.SmtpServer(options, services);
        _running = server.StartAsync(_stop.Token);
    }

    /// <summary>Stops listening (connections are then refused) and ends the sessions still open, hung ones included.</summary>
    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }
        await _stop.CancelAsync();
        try
        {
            await _running!;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        _stop.Dispose();
        _stop = null;
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private bool Next(IMailbox to, Func<SmtpFault, bool> applies) =>
        _faults.TryGetValue(to.AsAddress(), out var queue) && queue.TryPeek(out var fault) && applies(fault) && queue.TryDequeue(out _);

    private sealed class Filter(FakeSmtpServer server) : MailboxFilter
    {
        public override async Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
        {
            if (server.Next(to, f => f == SmtpFault.Hang))
            {
                using var hung = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, server._stop?.Token ?? CancellationToken.None);
                await Task.Delay(Timeout.Infinite, hung.Token);
            }
            return !server.Next(to, f => f == SmtpFault.Rejected);
        }
    }

    private sealed class Store(FakeSmtpServer server) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            if (transaction.To.Any(to => server.Next(to, f => f == SmtpFault.Busy)))
            {
                return Task.FromResult(new SmtpResponse((SmtpReplyCode)451, "4.3.0 Busy, try again later"));
            }
            lock (server._messages)
            {
                server._messages.Add(Encoding.UTF8.GetString(buffer));
            }
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
