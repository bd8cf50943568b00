using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xunit;

namespace ChatBot.TestKit.LocalServers;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, with a password (so AUTH is always exercised) and no persistence.
/// Tests that need an outage can <see cref="KillAsync"/> and <see cref="RestartAsync"/> it; such tests should start their
/// own instance rather than share one.
/// </summary>
public class RedisServerFixture : IAsyncLifetime
{
    private readonly bool _tls;
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-redis-").FullName;
    private LocalServerProcess? _server;

    public RedisServerFixture()
        : this(tls: false)
    {
    }

    protected RedisServerFixture(bool tls)
    {
        _tls = tls;
    }

    public int Port { get; } = LocalServerProcess.FreeTcpPort();

    public string Password { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The CA that signed the server's certificate, for clients to trust (TLS only).</summary>
    public string? CaCertificatePath { get; private set; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration =>
        $"127.0.0.1:{Port},password={Password}{(_tls ? ",ssl=true,sslHost=localhost" : "")}";

    public async ValueTask InitializeAsync()
    {
        if (_tls)
        {
            CaCertificatePath = WriteCertificates();
        }

        await StartAsync();
    }

    /// <summary>Kills the server (SIGKILL): an outage as a client sees it.</summary>
    public async Task KillAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    /// <summary>Starts the server again on the same port, empty.</summary>
    public Task RestartAsync() => StartAsync();

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    private async Task StartAsync()
    {
        var redis = LocalServerProcess.FindOnPath("redis-server") ?? throw new InvalidOperationException(
            "redis-server is not installed. Run tests/setup-local-servers.sh (on Debian or Ubuntu: sudo apt-get install -y redis-server).");

        List<string> arguments =
        [
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", _folder,
            "--requirepass", Password,
        ];
        if (_tls)
        {
            arguments.AddRange(
            [
                "--port", "0",
                "--tls-port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tls-cert-file", Path.Combine(_folder, "server.crt"),
                "--tls-key-file", Path.Combine(_folder, "server.key"),
                "--tls-ca-cert-file", CaCertificatePath!,
                "--tls-auth-clients", "no",
            ]);
        }
        else
        {
            arguments.AddRange(["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        _server = LocalServerProcess.Start("redis-server", redis, arguments, _folder);
        await _server.WaitUntilReadyAsync(PingAsync, TimeSpan.FromSeconds(15));
    }

    /// <summary>AUTH and PING over RESP, the way a client would find the server ready.</summary>
    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
        Stream stream = client.GetStream();
        if (_tls)
        {
            using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(CaCertificatePath!, cancellationToken));
            var trust = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            trust.CustomTrustStore.Add(ca);
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions { TargetHost = "localhost", CertificateChainPolicy = trust }, cancellationToken);
            stream = ssl;
        }

        await using (stream)
        {
            var command = $"*2\r\n$4\r\nAUTH\r\n${Password.Length}\r\n{Password}\r\n*1\r\n$4\r\nPING\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command), cancellationToken);
            var reply = new StringBuilder();
            var buffer = new byte[256];
            while (!reply.ToString().Contains("+PONG", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return false;
                }

                reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            return true;
        }
    }

    /// <summary>A throwaway CA and a localhost certificate it signed, written as PEM for redis-server.</summary>
    private string WriteCertificates()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=ChatBot test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, now.AddDays(-1), now.AddDays(7), RandomNumberGenerator.GetBytes(8));

        var caPath = Path.Combine(_folder, "ca.crt");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_folder, "server.crt"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_folder, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
        return caPath;
    }
}

/// <summary>The same server behind TLS with a throwaway CA, as ElastiCache Serverless requires TLS.</summary>
public sealed class RedisTlsServerFixture() : RedisServerFixture(tls: true);
