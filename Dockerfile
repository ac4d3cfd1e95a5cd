# The sluice binary on a distroless base: static, no shell, runs as nonroot.
FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The version `sluice version` prints: docker build --build-arg VERSION=$(git describe --tags --always --dirty)
ARG VERSION=""
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /sluice .

FROM gcr.io/distroless/static:nonroot
COPY --from=build /sluice /sluice
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/sluice"]
CMD ["serve"]
