using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LibGit2Sharp;

namespace GitOpsDeploy.Git;

/// <summary>
/// Our own smart-HTTP transport, for pushes only. libgit2's built-in one drops what the server says on
/// the progress side band ("remote: error: GH006: Protected branch update failed ... Commits must have
/// verified signatures."), and LibGit2Sharp offers no side-band callback for pushes, so a refusal
/// came back only as "pre-receive hook declined". Pushes go to <see cref="Scheme"/>-prefixed URLs
/// that land here: the same two requests git makes, with the token sent only to the configured
/// origin and redirects never followed to another host, and the side band read on the way through.
/// Clones and fetches keep libgit2's transport.
/// </summary>
internal static class PushTransport
{
    private const string Scheme = "gitopsdeploy";

    private static readonly Lazy<bool> Registered = new(() =>
    {
        GlobalSettings.RegisterSmartSubtransport<HttpPushSubtransport>(Scheme + "http");
        GlobalSettings.RegisterSmartSubtransport<HttpPushSubtransport>(Scheme + "https");
        return true;
    });

    // libgit2 calls the subtransport on the pushing thread, synchronously: the push's session is the thread's.
    [ThreadStatic]
    private static PushSession? current;

    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.All,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>The URL a push to <paramref name="url"/> goes to so that it takes this transport; other URLs are kept.</summary>
    public static string PushUrlFor(string url)
    {
        if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return url;
        }

        _ = Registered.Value;
        return Scheme + url;
    }

    /// <summary>Runs one push with this thread's session; what the server said on the side band is in <see cref="PushSession.RemoteLines"/> afterwards.</summary>
    public static void With(PushSession session, Action push)
    {
        current = session;
        try
        {
            push();
        }
        finally
        {
            current = null;
        }
    }

    private static string RealUrl(string url) =>
        url.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? url[Scheme.Length..] : url;

    /// <summary>One push: its credentials, its cancellation, and the server's side-band lines.</summary>
    internal sealed class PushSession(GitAuth auth, CancellationToken cancellationToken)
    {
        private AuthenticationHeaderValue? authorization;

        public List<string> RemoteLines { get; } = [];

        /// <summary>Why the transport failed: libgit2 reports our exceptions only as "no error".</summary>
        public Exception? Failure { get; set; }

        public CancellationToken CancellationToken { get; } = cancellationToken;

        /// <summary>The origin the URL names, once a same-origin redirect of the ref listing moved it.</summary>
        public string? BaseUrl { get; set; }

        /// <summary>Basic auth from the credentials callback; asked again after a 401, which it answers by giving up.</summary>
        public AuthenticationHeaderValue? Authorization(string url, bool refused)
        {
            if (authorization is not null && !refused)
            {
                return authorization;
            }

            if (!auth.HasToken && !refused)
            {
                return null;
            }

            var credentials = (UsernamePasswordCredentials)auth.Provide(url, string.Empty, SupportedCredentialTypes.UsernamePassword);
            authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
            return authorization;
        }
    }

    /// <summary>Instantiated by libgit2 for each push connection.</summary>
    private sealed class HttpPushSubtransport : RpcSmartSubtransport
    {
        protected override SmartSubtransportStream Action(string url, GitSmartSubtransportAction action)
        {
            var session = current ?? throw new InvalidOperationException("pushes through gitops-deploy's transport run inside PushTransport.With");
            var real = (session.BaseUrl ?? RealUrl(url)).TrimEnd('/');
            return action switch
            {
                GitSmartSubtransportAction.ReceivePackList => new Exchange(this, session, real, "/info/refs?service=git-receive-pack", null),
                GitSmartSubtransportAction.ReceivePack => new Exchange(this, session, real, "/git-receive-pack", "application/x-git-receive-pack-request"),
                // Fetching never comes here: only push URLs carry our scheme.
                _ => throw new InvalidOperationException($"gitops-deploy's transport only pushes ({action})"),
            };
        }
    }

    /// <summary>One HTTP request: the body libgit2 writes, then the answer it reads (side band scanned on the way).</summary>
    private sealed class Exchange(SmartSubtransport parent, PushSession session, string baseUrl, string path, string? contentType) : SmartSubtransportStream(parent)
    {
        private const int MaxRedirects = 5;
        private readonly MemoryStream body = new();
        private readonly SideBandScanner scanner = new(session.RemoteLines);
        private HttpResponseMessage? response;
        private Stream? answer;

        public override int Write(Stream dataStream, long length)
        {
            var buffer = new byte[81920];
            while (length > 0)
            {
                var read = dataStream.Read(buffer, 0, (int)Math.Min(buffer.Length, length));
                if (read == 0)
                {
                    throw new EndOfStreamException("libgit2 handed over less than it announced");
                }

                body.Write(buffer, 0, read);
                length -= read;
            }

            return 0;
        }

        public override int Read(Stream dataStream, long length, out long bytesRead)
        {
            try
            {
                answer ??= Send();
            }
            catch (Exception e)
            {
                session.Failure = e;
                throw;
            }

            var buffer = new byte[(int)Math.Min(length, 65536)];
            var read = answer.Read(buffer, 0, buffer.Length);
            if (contentType is not null)
            {
                scanner.Feed(buffer.AsSpan(0, read));
            }

            dataStream.Write(buffer, 0, read);
            bytesRead = read;
            return 0;
        }

        private Stream Send()
        {
            var url = baseUrl + path;
            var refused = false;
            for (var hop = 0; ; hop++)
            {
                using var request = new HttpRequestMessage(contentType is null ? HttpMethod.Get : HttpMethod.Post, url);
                request.Headers.UserAgent.ParseAdd("git/2.0 (gitops-deploy)");
                request.Headers.Authorization = session.Authorization(url, refused);
                if (contentType is not null)
                {
                    request.Content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length);
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
                    request.Headers.Accept.ParseAdd("application/x-git-receive-pack-result");
                }

                response = Http.Send(request, HttpCompletionOption.ResponseHeadersRead, session.CancellationToken);
                var status = (int)response.StatusCode;
                if (status == 401 && !refused)
                {
                    // Like git: the credentials callback decides whether there is anything (else) to try.
                    refused = true;
                    response.Dispose();
                    continue;
                }

                if (status is >= 300 and < 400 && response.Headers.Location is { } location && contentType is null && hop < MaxRedirects)
                {
                    var next = new Uri(new Uri(url), location);
                    response.Dispose();
                    if (!SameOrigin(new Uri(url), next))
                    {
                        // The credentials callback refuses the other origin (and records the redirect), as for a clone.
                        session.Authorization(next.ToString(), refused: true);
                    }

                    url = next.ToString();
                    session.BaseUrl = url.EndsWith(path, StringComparison.Ordinal) ? url[..^path.Length] : session.BaseUrl;
                    continue;
                }

                if (status != 200)
                {
                    var code = response.StatusCode;
                    response.Dispose();
                    // GitErrors reads the status code from the message, as it does libgit2's.
                    throw new LibGit2SharpException(status == 401 ? "unexpected http status code: 401 (authentication replays)" : $"unexpected http status code: {status} ({code})");
                }

                return response.Content.ReadAsStream(session.CancellationToken);
            }
        }

        private static bool SameOrigin(Uri a, Uri b) =>
            string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

        protected override void Free()
        {
            answer?.Dispose();
            response?.Dispose();
            body.Dispose();
            base.Free();
        }
    }

    /// <summary>
    /// Reads pkt-lines as they pass and keeps what the server wrote on side band 2 (progress and hook
    /// output, shown by git as "remote: ...") and 3 (a fatal error), one entry per line.
    /// </summary>
    internal sealed class SideBandScanner(List<string> lines)
    {
        private readonly List<byte> pending = [];
        private readonly StringBuilder partial = new();
        private bool lost;

        public void Feed(ReadOnlySpan<byte> bytes)
        {
            if (lost)
            {
                return;
            }

            foreach (var b in bytes)
            {
                pending.Add(b);
            }

            while (pending.Count >= 4)
            {
                if (!int.TryParse(Encoding.ASCII.GetString([.. pending.GetRange(0, 4)]), System.Globalization.NumberStyles.HexNumber, null, out var length))
                {
                    // Not pkt-lines after all: stop looking; libgit2 reads the answer regardless.
                    lost = true;
                    pending.Clear();
                    return;
                }

                if (length < 4)
                {
                    // flush, delimiter or response-end packet
                    pending.RemoveRange(0, 4);
                    continue;
                }

                if (pending.Count < length)
                {
                    return;
                }

                var band = pending[4];
                if (length > 5 && band is 2 or 3)
                {
                    Text(Encoding.UTF8.GetString([.. pending.GetRange(5, length - 5)]));
                }

                pending.RemoveRange(0, length);
            }
        }

        private void Text(string text)
        {
            foreach (var c in text)
            {
                if (c is '\n' or '\r')
                {
                    // A progress meter rewrites its line with '\r': only finished lines with words in them are kept.
                    var line = partial.ToString().Trim();
                    if (c == '\n' && line.Length > 0)
                    {
                        lines.Add(line);
                    }

                    partial.Clear();
                    continue;
                }

                partial.Append(c);
            }
        }
    }
}
