# registryd and registryctl in a distroless image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The build context leaves .git out, so Go records no commit: the caller
# passes it (make run-stack does) for --version and registry_build_info.
ARG VERSION=""
ARG COMMIT=""
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags="-s -w -X github.com/hypo-registry/registry/internal/buildinfo.version=${VERSION} -X github.com/hypo-registry/registry/internal/buildinfo.commit=${COMMIT}" \
    -o /out/ ./cmd/registryd ./cmd/registryctl
# The data directory, made here because the runtime image has no shell: a
# fresh volume takes the owner and mode of the image's directory, so
# registryd (nonroot, 65532) can create seal.key and the rest in it.
RUN install -d -m 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/registryd /out/registryctl /usr/local/bin/
COPY --from=build --chown=65532:65532 /out/data /var/lib/registry
USER nonroot:nonroot
ENV REGISTRY_DATA_DIR=/var/lib/registry
VOLUME ["/var/lib/registry"]
EXPOSE 8091
# Ready (GET /readyz answers 200) from REGISTRY_HTTP_ADDR, over HTTPS when
# REGISTRY_TLS_CERT_FILE is set; no shell or curl needed.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/registryd", "health"]
ENTRYPOINT ["/usr/local/bin/registryd"]
