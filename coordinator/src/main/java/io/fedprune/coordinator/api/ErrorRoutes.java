package io.fedprune.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.micronaut.json.JsonSyntaxException;
import io.micronaut.core.convert.exceptions.ConversionErrorException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.codec.CodecException;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import io.swagger.v3.oas.annotations.Hidden;

/** Micronaut's own 4xx answers in the API's one error format, {@link ApiError}. */
@Controller
@Hidden
public class ErrorRoutes {

    /** A body or parameter of the wrong type, e.g. {@code {"rounds": "many"}}: 400 naming the field. */
    @Error(global = true)
    public HttpResponse<ApiError> conversion(HttpRequest<?> request, ConversionErrorException e) {
        String field = jsonPath(e);
        return HttpResponse.badRequest(new ApiError(field.isEmpty() ? e.getArgument().getName() : field, message(e)));
    }

    /** Malformed JSON: 400. */
    @Error(global = true)
    public HttpResponse<ApiError> codec(HttpRequest<?> request, CodecException e) {
        String field = jsonPath(e);
        return HttpResponse.badRequest(new ApiError(field, "unreadable JSON body: " + message(e)));
    }

    /** Malformed JSON (Micronaut's own JSON parser): 400. */
    @Error(global = true)
    public HttpResponse<ApiError> jsonSyntax(HttpRequest<?> request, JsonSyntaxException e) {
        return HttpResponse.badRequest(new ApiError(jsonPath(e), "unreadable JSON body: " + message(e)));
    }

    /** Malformed JSON (Jackson): 400. */
    @Error(global = true)
    public HttpResponse<ApiError> jsonProcessing(HttpRequest<?> request, JsonProcessingException e) {
        return HttpResponse.badRequest(new ApiError(jsonPath(e), "unreadable JSON body: " + message(e)));
    }

    /** A required parameter missing: 400 naming it. */
    @Error(global = true)
    public HttpResponse<ApiError> unsatisfied(HttpRequest<?> request, UnsatisfiedRouteException e) {
        return HttpResponse.badRequest(new ApiError(e.getArgument().getName(), e.getMessage()));
    }

    @Error(global = true, status = HttpStatus.NOT_FOUND)
    public HttpResponse<ApiError> notFound(HttpRequest<?> request) {
        return HttpResponse.<ApiError>notFound().body(ApiError.of("no such resource: " + request.getPath()));
    }

    @Error(global = true, status = HttpStatus.METHOD_NOT_ALLOWED)
    public HttpResponse<ApiError> methodNotAllowed(HttpRequest<?> request) {
        return HttpResponse.<ApiError>status(HttpStatus.METHOD_NOT_ALLOWED)
                .body(ApiError.of(request.getMethodName() + " is not allowed on " + request.getPath()));
    }

    @Error(global = true, status = HttpStatus.UNSUPPORTED_MEDIA_TYPE)
    public HttpResponse<ApiError> unsupportedMediaType(HttpRequest<?> request) {
        return HttpResponse.<ApiError>status(HttpStatus.UNSUPPORTED_MEDIA_TYPE)
                .body(ApiError.of("unsupported content type " + request.getContentType().map(Object::toString).orElse("(none)")
                        + ": send application/json"));
    }

    /** The JSON path of the field Jackson failed on, e.g. {@code layers[0].granularity}, or "". */
    static String jsonPath(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JsonMappingException jm && !jm.getPath().isEmpty()) {
                StringBuilder sb = new StringBuilder();
                for (JsonMappingException.Reference r : jm.getPath()) {
                    if (r.getFieldName() != null) sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
                    else if (r.getIndex() >= 0) sb.append('[').append(r.getIndex()).append(']');
                }
                return sb.toString();
            }
        }
        return "";
    }

    /** The innermost cause's first line, without Jackson's source location. */
    private static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t instanceof JsonProcessingException jp ? jp.getOriginalMessage() : t.getMessage();
        if (m == null) m = t.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
