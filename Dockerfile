# registryd and registryctl in a distroless image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/registryd ./cmd/registryctl

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/registryd /out/registryctl /usr/local/bin/
USER nonroot:nonroot
ENV REGISTRY_DATA_DIR=/var/lib/registry
VOLUME ["/var/lib/registry"]
EXPOSE 8091
ENTRYPOINT ["/usr/local/bin/registryd"]
