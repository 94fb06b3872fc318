package io.fedprune.coordinator.api;

import io.fedprune.coordinator.CoordinatorConfig;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.authentication.AuthorizationException;
import io.micronaut.security.authentication.DefaultAuthorizationExceptionHandler;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.security.rules.SecurityRuleResult;
import io.micronaut.security.token.validator.TokenValidator;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Who may call what (Micronaut Security): writes need the operator's bearer token ({@code Authorization: Bearer ...},
 * {@link ApiConfig#token()}); GETs are open when {@link ApiConfig#openReads()}; health, leadership, Prometheus, the OpenAPI
 * document and a device's own enrolment (which carries a one-time enrolment token instead) are always open. A call
 * without a valid token is 401 in the API's error format.
 */
public final class ApiSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(ApiSecurity.class);

    private ApiSecurity() {
    }

    /** The operator's token: configured, or made at start and kept in {@code <work-dir>/api-token}. */
    @Singleton
    public static final class OperatorToken {
        private final byte[] token;

        public OperatorToken(ApiConfig api, CoordinatorConfig config) {
            String t = api.token();
            if (t == null || t.isBlank()) t = fromFile(Path.of(config.workDir()).resolve("api-token"));
            this.token = t.trim().getBytes(StandardCharsets.UTF_8);
        }

        boolean matches(String presented) {
            return presented != null && MessageDigest.isEqual(token, presented.trim().getBytes(StandardCharsets.UTF_8));
        }

        private static String fromFile(Path file) {
            try {
                if (Files.exists(file)) return Files.readString(file).trim();
                byte[] b = new byte[24];
                new SecureRandom().nextBytes(b);
                String t = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
                Files.createDirectories(file.toAbsolutePath().getParent());
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException e) {
                    Files.createFile(file);
                }
                Files.writeString(file, t + "\n");
                LOG.info("no fedprune.api.token configured: the API token for writes is in {}", file.toAbsolutePath());
                return t;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read or create the API token " + file, e);
            }
        }
    }

    /** The operator's bearer token is the only token there is. */
    @Singleton
    public static final class OperatorTokenValidator implements TokenValidator<HttpRequest<?>> {
        private final OperatorToken token;

        public OperatorTokenValidator(OperatorToken token) {
            this.token = token;
        }

        @Override
        public Publisher<Authentication> validateToken(String presented, HttpRequest<?> request) {
            return token.matches(presented) ? Publishers.just(Authentication.build("operator")) : Publishers.empty();
        }
    }

    /** The access rule described above. */
    @Singleton
    public static final class AccessRule implements SecurityRule<HttpRequest<?>> {
        private final ApiConfig api;

        public AccessRule(ApiConfig api) {
            this.api = api;
        }

        @Override
        public Publisher<SecurityRuleResult> check(HttpRequest<?> request, Authentication authentication) {
            if (alwaysOpen(request) || (api.openReads() && isRead(request.getMethod())) || authentication != null)
                return Publishers.just(SecurityRuleResult.ALLOWED);
            return Publishers.just(SecurityRuleResult.REJECTED);
        }

        static boolean isRead(HttpMethod m) {
            return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS;
        }

        static boolean alwaysOpen(HttpRequest<?> request) {
            String p = request.getPath();
            if (p.equals("/health") || p.startsWith("/health/") || p.equals("/leader") || p.equals("/prometheus") || p.startsWith("/swagger/")) return true;
            return request.getMethod() == HttpMethod.POST && p.startsWith("/devices/") && p.endsWith("/enrolment");
        }

        @Override
        public int getOrder() {
            return -100;
        }
    }

    /** 401 (no or a wrong token) and 403 in the API's error format instead of an empty body. */
    @Produces
    @Singleton
    @Replaces(DefaultAuthorizationExceptionHandler.class)
    public static final class Unauthorized implements ExceptionHandler<AuthorizationException, MutableHttpResponse<?>> {
        @Override
        public MutableHttpResponse<?> handle(HttpRequest request, AuthorizationException e) {
            if (e.isForbidden()) return HttpResponse.status(HttpStatus.FORBIDDEN).body(ApiError.of("not allowed"));
            return HttpResponse.status(HttpStatus.UNAUTHORIZED)
                    .header("WWW-Authenticate", "Bearer")
                    .body(new ApiError("Authorization", "this call needs the operator's bearer token (Authorization: Bearer TOKEN)"));
        }
    }
}
