// A minimal Java TLS peer that proves TLS material works in a JVM (Hono runs on Java). Single file, JDK only:
//   java TlsPeer.java server [--host 127.0.0.1] --port 0
//        (--key KEY.pem --cert CHAIN.pem | --keystore ks.p12 --keystore-password-file F)
//        [--truststore ts.jks|ts.p12|ca.pem [--truststore-password-file F]] [--need-client-auth]
//     prints "LISTENING <port>", handles ONE connection, writes "OK <peer subject|->" to the peer and to stdout,
//     exits 0; on a failed handshake prints "FAIL <reason>" and exits 1.
//   java TlsPeer.java client --host H --port P [--server-name NAME]
//        --truststore ts.jks|ts.p12|ca.pem [--truststore-password-file F]
//        [--key KEY.pem --cert CHAIN.pem | --keystore ks.p12 --keystore-password-file F]
//     connects, verifies the server with endpoint identification HTTPS against NAME (default: H; a DNS name
//     is also sent as SNI, an IP literal is matched against IP SANs), waits for the server's "OK" line (under
//     TLS 1.3 a rejected client certificate only shows up there), prints "OK <server subject>" and exits 0;
//     otherwise prints "FAIL <reason>" and exits 1.
// Store type follows the file suffix, as in Hono: .jks, .p12/.pfx, anything else is PEM. Passwords are read
// from files (first line), never from argv. PEM keys must be unencrypted PKCS8 ("BEGIN PRIVATE KEY").
// Options: --timeout-ms N (default 60000; JVM start-up on a loaded machine is slow); --protocols TLSv1.2,TLSv1.3 to restrict versions.

import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.*;
import java.security.cert.*;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.*;
import javax.net.ssl.*;

public class TlsPeer {
  public static void main(String[] argv) {
    try {
      if (argv.length == 0) throw new IllegalArgumentException("usage: TlsPeer server|client [options] (see the header of TlsPeer.java)");
      Map<String, String> o = options(Arrays.copyOfRange(argv, 1, argv.length));
      int code = switch (argv[0]) {
        case "server" -> server(o);
        case "client" -> client(o);
        default -> throw new IllegalArgumentException("unknown mode " + argv[0] + "; use server or client");
      };
      System.exit(code);
    } catch (Exception e) {
      System.out.println("FAIL " + reason(e));
      System.exit(2);
    }
  }

  static int server(Map<String, String> o) throws Exception {
    SSLContext ctx = context(o, true);
    int timeout = Integer.parseInt(o.getOrDefault("timeout-ms", "60000"));
    InetAddress bind = InetAddress.getByName(o.getOrDefault("host", "127.0.0.1"));
    try (SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(Integer.parseInt(o.getOrDefault("port", "0")), 1, bind)) {
      ss.setNeedClientAuth(o.containsKey("need-client-auth"));
      protocols(o, ss::setEnabledProtocols);
      ss.setSoTimeout(timeout);
      System.out.println("LISTENING " + ss.getLocalPort());
      System.out.flush();
      try (SSLSocket s = (SSLSocket) ss.accept()) {
        s.setSoTimeout(timeout);
        try {
          s.startHandshake();
        } catch (IOException e) {
          System.out.println("FAIL " + reason(e));
          return 1;
        }
        String peer = o.containsKey("need-client-auth") ? s.getSession().getPeerPrincipal().getName() : "-";
        String line = "OK " + peer;
        s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        System.out.println(line + " protocol=" + s.getSession().getProtocol() + " cipher=" + s.getSession().getCipherSuite());
        return 0;
      }
    }
  }

  static int client(Map<String, String> o) throws Exception {
    SSLContext ctx = context(o, false);
    String host = require(o, "host");
    int port = Integer.parseInt(require(o, "port"));
    String serverName = o.getOrDefault("server-name", host);
    int timeout = Integer.parseInt(o.getOrDefault("timeout-ms", "60000"));
    Socket raw = new Socket();
    raw.connect(new InetSocketAddress(host, port), timeout);
    // Layering on a connected socket makes serverName the peer host: it is checked against the SANs and,
    // when it is a DNS name, sent as SNI.
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, serverName, port, true)) {
      s.setSoTimeout(timeout);
      SSLParameters p = s.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      s.setSSLParameters(p);
      protocols(o, s::setEnabledProtocols);
      try {
        s.startHandshake();
        String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (line == null || !line.startsWith("OK")) {
          System.out.println("FAIL server closed the connection without OK (it probably rejected our certificate)");
          return 1;
        }
      } catch (IOException e) {
        System.out.println("FAIL " + reason(e));
        return 1;
      }
      System.out.println("OK " + s.getSession().getPeerPrincipal().getName() + " protocol=" + s.getSession().getProtocol());
      return 0;
    }
  }

  static SSLContext context(Map<String, String> o, boolean server) throws Exception {
    KeyManager[] kms = null;
    KeyStore ks = null;
    char[] ksPass = null;
    if (o.containsKey("keystore")) {
      ksPass = password(o, "keystore-password-file");
      ks = KeyStore.getInstance(new File(o.get("keystore")), ksPass);
    } else if (o.containsKey("key")) {
      ksPass = UUID.randomUUID().toString().toCharArray();
      ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      List<java.security.cert.Certificate> chain = new ArrayList<>(certificates(require(o, "cert")));
      ks.setKeyEntry("key", pkcs8Key(o.get("key")), ksPass, chain.toArray(new java.security.cert.Certificate[0]));
    } else if (server) {
      throw new IllegalArgumentException("server needs --key/--cert or --keystore");
    }
    if (ks != null) {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, ksPass);
      kms = kmf.getKeyManagers();
    }
    TrustManager[] tms = null;
    if (o.containsKey("truststore")) {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(trustStore(o));
      tms = tmf.getTrustManagers();
    } else if (!server) {
      throw new IllegalArgumentException("client needs --truststore");
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kms, tms, null);
    return ctx;
  }

  static KeyStore trustStore(Map<String, String> o) throws Exception {
    String path = o.get("truststore");
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".jks") || lower.endsWith(".p12") || lower.endsWith(".pfx")) {
      KeyStore ks = KeyStore.getInstance(lower.endsWith(".jks") ? "JKS" : "PKCS12");
      try (InputStream in = new FileInputStream(path)) {
        ks.load(in, password(o, "truststore-password-file"));
      }
      if (ks.size() == 0) throw new KeyStoreException("trust store " + path + " has no entries");
      return ks;
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    int i = 0;
    for (X509Certificate c : certificates(path)) ks.setCertificateEntry("ca-" + i++, c);
    return ks;
  }

  static List<X509Certificate> certificates(String path) throws Exception {
    try (InputStream in = new FileInputStream(path)) {
      List<X509Certificate> out = new ArrayList<>();
      for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) out.add((X509Certificate) c);
      if (out.isEmpty()) throw new CertificateException("no certificate in " + path);
      return out;
    }
  }

  static PrivateKey pkcs8Key(String path) throws Exception {
    String pem = Files.readString(Path.of(path));
    int b = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int e = pem.indexOf("-----END PRIVATE KEY-----");
    if (b < 0 || e < 0) throw new InvalidKeyException(path + " is not an unencrypted PKCS8 PEM key (BEGIN PRIVATE KEY)");
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(b + 27, e));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : new String[] {"EC", "RSA"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (java.security.spec.InvalidKeySpecException ignored) {
        // try the next algorithm
      }
    }
    throw new InvalidKeyException(path + ": neither an EC nor an RSA PKCS8 key");
  }

  static char[] password(Map<String, String> o, String key) throws IOException {
    String file = require(o, key);
    String first = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8).stream().findFirst().orElse("");
    return first.toCharArray();
  }

  static void protocols(Map<String, String> o, java.util.function.Consumer<String[]> set) {
    if (o.containsKey("protocols")) set.accept(o.get("protocols").split(","));
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument " + args[i]);
      String k = args[i].substring(2);
      if (k.equals("need-client-auth")) o.put(k, "true");
      else if (i + 1 < args.length) o.put(k, args[++i]);
      else throw new IllegalArgumentException("--" + k + " needs a value");
    }
    return o;
  }

  static String require(Map<String, String> o, String k) {
    String v = o.get(k);
    if (v == null) throw new IllegalArgumentException("missing --" + k);
    return v;
  }

  /** The innermost cause says what really failed (e.g. "No subject alternative DNS name matching x found"). */
  static String reason(Throwable e) {
    StringBuilder sb = new StringBuilder(e.getClass().getSimpleName() + ": " + e.getMessage());
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      sb.append(" <- ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
    }
    return sb.toString().replace('\n', ' ');
  }
}
