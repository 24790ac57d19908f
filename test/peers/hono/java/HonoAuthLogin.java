// Logs in to a real Hono Auth Server the way a Hono 1.x service (the Device Registry) does:
// Hono's own DelegatingAuthenticationServiceConfig binds `hono.auth` from this process's env vars
// (Spring Boot's relaxed binding, as in the registry) and yields the connection factory (TLS trust
// from HONO_AUTH_TRUSTSTOREPATH ...) and the token validator (HONO_AUTH_VALIDATION_CERTPATH).
// Hono's AuthenticationServerClient logs in with SASL PLAIN; the validator then checks the
// token's signature.
//
// usage: java -cp <hono auth classpath>:<peer> HonoAuthLogin --hosts-file F --user U --password-file P
//   --hosts-file: "<ip> <name>..." lines, resolved by Vert.x as cluster DNS would resolve Services.
// Prints one line: "OK ..." (exit 0) or "FAIL stage=<config|login|verify> ..." (exit 2).
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.Jws;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.dns.AddressResolverOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.hono.auth.HonoUser;
import org.eclipse.hono.client.AuthenticationServerClient;
import org.eclipse.hono.connection.ConnectionFactory;
import org.eclipse.hono.service.auth.AuthTokenHelper;
import org.eclipse.hono.service.auth.delegating.AuthenticationServerClientConfigProperties;
import org.eclipse.hono.service.auth.delegating.DelegatingAuthenticationServiceConfig;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

@Configuration
@EnableConfigurationProperties
@Import(DelegatingAuthenticationServiceConfig.class)
public class HonoAuthLogin {

    static String hostsFile;

    @Bean
    public Vertx vertx() {
        final AddressResolverOptions dns = new AddressResolverOptions().setHostsPath(hostsFile);
        return Vertx.vertx(new VertxOptions().setAddressResolverOptions(dns));
    }

    public static void main(final String[] args) throws Exception {
        String user = null;
        String passwordFile = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--hosts-file": hostsFile = args[i + 1]; break;
                case "--user": user = args[i + 1]; break;
                case "--password-file": passwordFile = args[i + 1]; break;
                default: fail("config", "unknown argument " + args[i]);
            }
        }
        if (hostsFile == null || user == null || passwordFile == null) {
            fail("config", "usage: HonoAuthLogin --hosts-file F --user U --password-file P");
        }
        final String password = Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();

        final ConfigurableApplicationContext ctx;
        try {
            ctx = new SpringApplicationBuilder(HonoAuthLogin.class)
                    .web(WebApplicationType.NONE)
                    .bannerMode(Banner.Mode.OFF)
                    .logStartupInfo(false)
                    .properties(Map.of("logging.level.root", "WARN"))
                    .run();
        } catch (final Exception e) {
            fail("config", rootMessage(e));
            return;
        }
        final var bf = ctx.getBeanFactory();
        final AuthenticationServerClientConfigProperties props =
                BeanFactoryAnnotationUtils.qualifiedBeanOfType(bf, AuthenticationServerClientConfigProperties.class, "authentication");
        final ConnectionFactory factory = BeanFactoryAnnotationUtils.qualifiedBeanOfType(bf, ConnectionFactory.class, "authentication");
        final Vertx vertx = ctx.getBean(Vertx.class);
        final String target = "host=" + props.getHost() + " port=" + props.getPort() + " trust=" + props.getTrustStorePath()
                + " validation=" + props.getValidation().getCertPath();

        // Like Hono's own clients, try again when the connection attempt merely timed out (a
        // loaded machine); any other failure (TLS, SASL) is final.
        HonoUser honoUser = null;
        for (int attempt = 1; honoUser == null; attempt++) {
            final CompletableFuture<HonoUser> login = new CompletableFuture<>();
            new AuthenticationServerClient(vertx, factory).verifyPlain(null, user, password, r -> {
                if (r.succeeded()) {
                    login.complete(r.result());
                } else {
                    login.completeExceptionally(r.cause());
                }
            });
            try {
                honoUser = login.get(60, TimeUnit.SECONDS);
            } catch (final Exception e) {
                final String msg = rootMessage(e);
                if (attempt < 3 && msg.startsWith("ConnectTimeoutException")) {
                    System.err.println("attempt " + attempt + ": " + msg + ", trying again");
                    continue;
                }
                fail("login", msg + " (" + target + ")");
                return;
            }
        }

        final Jws<Claims> jws;
        try {
            // The bean the registry validates every token with; built lazily, so a bad
            // validation certificate shows up here.
            final AuthTokenHelper validator = BeanFactoryAnnotationUtils.qualifiedBeanOfType(bf, AuthTokenHelper.class, "authentication");
            jws = validator.expand(honoUser.getToken());
        } catch (final Exception e) {
            fail("verify", rootMessage(e) + " (" + target + ")");
            return;
        }
        System.out.println("OK login subject=" + jws.getBody().getSubject()
                + " alg=" + jws.getHeader().getAlgorithm() + " expires=" + honoUser.getExpirationTime()
                + " signature=verified " + target);
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static void fail(final String stage, final String message) {
        System.out.println("FAIL stage=" + stage + " " + message.replace('\n', ' '));
        System.out.flush();
        Runtime.getRuntime().halt(2);
    }
}
