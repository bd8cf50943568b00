using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatBot.E2E.Tests.Rehearsal;

/// <summary>
/// HTTPS for the local servers that stand in for AWS hosts: one self-signed certificate, which the rehearsal's browser
/// contexts and HTTP clients accept (and nothing else does). The deployed pages are https, so their stand-ins are too:
/// the CSP's <c>upgrade-insecure-requests</c>, secure-context APIs (PKCE needs crypto.subtle) and cookies behave as deployed.
/// </summary>
public static class LocalTls
{
    public static X509Certificate2 Certificate { get; } = Create();

    /// <summary>A quiet Kestrel app on 127.0.0.1 and a free port, over HTTPS with <see cref="Certificate"/>.</summary>
    public static async Task<(WebApplication App, Uri Origin)> StartAsync(Action<WebApplication> configure)
    {
        var (app, origins) = await StartAsync(configure, ports: 1);
        return (app, origins[0]);
    }

    /// <summary>The same app listening on <paramref name="ports"/> free ports, one origin each.</summary>
    public static async Task<(WebApplication App, IReadOnlyList<Uri> Origins)> StartAsync(Action<WebApplication> configure, int ports)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            for (var i = 0; i < ports; i++)
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(Certificate));
            }
        });
        var app = builder.Build();
        configure(app);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        return (app, [.. addresses.Select(address => new Uri(new Uri(address), "/"))]);
    }

    /// <summary>
    /// An HTTP client that reaches AWS host names as the rehearsal maps them, trusting only the local certificate.
    /// Hosts that are not mapped fail to connect: nothing leaves the machine.
    /// </summary>
    public static HttpClient Client(AwsEndpoints endpoints, bool allowRedirects = false) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = allowRedirects,
        UseCookies = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var target = endpoints.LocalEndPoint(context.DnsEndPoint.Host) ?? (IPAddress.TryParse(context.DnsEndPoint.Host, out var ip) && IPAddress.IsLoopback(ip)
                ? new IPEndPoint(ip, context.DnsEndPoint.Port)
                : throw new HttpRequestException($"{context.DnsEndPoint.Host} is not mapped to a local server in the rehearsal."));
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(target, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || certificate?.GetCertHashString() == Certificate.GetCertHashString(),
        },
    }) { Timeout = TimeSpan.FromMinutes(2) };

    private static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=ChatBot stack rehearsal", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        // Through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
