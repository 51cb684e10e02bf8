using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Rosette.Infrastructure.Hosting;

namespace Rosette.Features.Notifications;

/// <summary>Rosette:Smtp: when Host is set, mail goes out over SMTP (MailKit).</summary>
public sealed class SmtpSettings
{
    public const string Section = "Rosette:Smtp";

    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>none, ssl (implicit TLS), starttls, or auto (MailKit decides from the port).</summary>
    public string Security { get; set; } = "auto";

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>How long one SMTP step (connect, a command, the message) may take before the attempt fails and is retried later.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>Rosette:Mail: the sender, and the folder of .eml files written when no SMTP server is configured.</summary>
public sealed class MailSettings
{
    public const string Section = "Rosette:Mail";

    public string Directory { get; set; } = "data/mail";

    /// <summary>Default "Rosette" &lt;no-reply@ the public host&gt;.</summary>
    public string? From { get; set; }
}

/// <summary>
/// A mail that was not sent. <see cref="IsPermanent"/> when the server refused it for good (a 5xx answer to its sender,
/// recipient or content), so that sending it again cannot help; otherwise (no connection, a 4xx answer, a timeout) a later
/// attempt may succeed.
/// </summary>
public sealed class MailNotSentException(string message, bool isPermanent, Exception inner) : Exception(message, inner)
{
    public bool IsPermanent { get; } = isPermanent;
}

/// <summary>One sitting of sending: an SMTP connection opened on first use, or the .eml folder.</summary>
public interface IMailSession : IAsyncDisposable
{
    /// <summary>Sends <paramref name="message"/>; <paramref name="key"/> names it uniquely (the .eml file name).</summary>
    Task SendAsync(MimeMessage message, string key, CancellationToken cancellationToken);
}

public sealed class MailDelivery(SmtpSettings smtp, MailSettings mail)
{
    public MailSettings Settings => mail;

    public IMailSession Open() => smtp.IsConfigured ? new SmtpSession(smtp) : new PickupFolderSession(mail.Directory);

    private sealed class SmtpSession(SmtpSettings settings) : IMailSession
    {
        private readonly SmtpClient _client = new();

        public async Task SendAsync(MimeMessage message, string key, CancellationToken cancellationToken)
        {
            try
            {
                await ConnectAndSendAsync(message, cancellationToken);
            }
            catch (SmtpCommandException e)
            {
                var permanent = (int)e.StatusCode >= 500
                    && e.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.SenderNotAccepted or SmtpErrorCode.MessageNotAccepted;
                throw new MailNotSentException($"The mail server answered {(int)e.StatusCode}: {e.Message}", permanent, e);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or SmtpProtocolException or TimeoutException
                or AuthenticationException or SslHandshakeException or ServiceNotConnectedException
                || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new MailNotSentException($"{e.GetType().Name}: {e.Message}", isPermanent: false, e);
            }
        }

        private async Task ConnectAndSendAsync(MimeMessage message, CancellationToken cancellationToken)
        {
            if (!_client.IsConnected)
            {
                _client.Timeout = (int)Math.Clamp(settings.Timeout.TotalMilliseconds, 1, int.MaxValue);
                var security = settings.Security.ToLowerInvariant() switch
                {
                    "none" => SecureSocketOptions.None,
                    "ssl" => SecureSocketOptions.SslOnConnect,
                    "starttls" => SecureSocketOptions.StartTls,
                    _ => SecureSocketOptions.Auto,
                };
                await _client.ConnectAsync(settings.Host!, settings.Port, security, cancellationToken);
                if (!string.IsNullOrEmpty(settings.Username))
                {
                    await _client.AuthenticateAsync(settings.Username, settings.Password ?? "", cancellationToken);
                }
            }
            await _client.SendAsync(message, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                try
                {
                    await _client.DisconnectAsync(quit: true);
                }
                catch (Exception e) when (e is IOException or SmtpProtocolException or OperationCanceledException)
                {
                    // The mail is sent; a failed goodbye changes nothing.
                }
            }
            _client.Dispose();
        }
    }

    /// <summary>Writes KEY.eml atomically; a file that already exists means the mail was already written.</summary>
    private sealed class PickupFolderSession(string directory) : IMailSession
    {
        public async Task SendAsync(MimeMessage message, string key, CancellationToken cancellationToken)
        {
            PrivateFiles.CreateDirectory(directory);
            var path = Path.Combine(directory, key + ".eml");
            if (File.Exists(path))
            {
                return;
            }
            var temporary = Path.Combine(directory, $".{key}.{Guid.NewGuid():N}.tmp");
            await using (var file = new FileStream(temporary, PrivateFiles.NewFile()))
            {
                await message.WriteToAsync(file, cancellationToken);
            }
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
