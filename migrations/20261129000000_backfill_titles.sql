-- Schema 4: titles for findings recorded before schema 3 stored them.
-- Until now the store looked a missing title up in the rule catalogue when
-- reading, which made the store depend on the rules module. The titles are
-- the catalogue's as of this migration; findings recorded since schema 3
-- carry their own.
UPDATE finding SET title = CASE rule_id
    WHEN 'container.privileged' THEN 'Runs with --privileged'
    WHEN 'container.docker-socket' THEN 'Docker socket mounted'
    WHEN 'container.sensitive-mount' THEN 'Sensitive host path mounted'
    WHEN 'container.writable-bind-mount' THEN 'Writable bind mount'
    WHEN 'container.root-user' THEN 'Runs as root'
    WHEN 'container.added-capabilities' THEN 'Extra Linux capabilities added'
    WHEN 'container.capabilities-not-dropped' THEN 'Default capabilities not dropped'
    WHEN 'container.host-namespace' THEN 'Shares a host namespace'
    WHEN 'container.seccomp-unconfined' THEN 'Seccomp disabled'
    WHEN 'container.apparmor-unconfined' THEN 'AppArmor disabled'
    WHEN 'container.no-new-privileges-missing' THEN 'no-new-privileges not set'
    WHEN 'container.writable-rootfs' THEN 'Writable root filesystem'
    WHEN 'container.env-secret' THEN 'Secret in container environment'
    WHEN 'container.public-port' THEN 'Port published on all interfaces'
    WHEN 'container.devices' THEN 'Host device passed through'
    WHEN 'container.no-resource-limits' THEN 'No memory or process limit'
    WHEN 'image.root-user' THEN 'Image runs as root'
    WHEN 'image.env-secret' THEN 'Secret in image ENV'
    WHEN 'image.history-secret' THEN 'Secret in build history'
    WHEN 'image.stale' THEN 'Image not rebuilt for a long time'
    WHEN 'image.latest-tag' THEN 'Tagged :latest'
    WHEN 'image.no-healthcheck' THEN 'No HEALTHCHECK'
    WHEN 'image.remote-add' THEN 'ADD from a URL'
    WHEN 'image.dangling' THEN 'Dangling image'
    WHEN 'image.layer-secret' THEN 'Secret in an image layer'
    WHEN 'image.layer-private-key' THEN 'Private key in an image layer'
    WHEN 'image.layer-credential-file' THEN 'Credential file in an image layer'
    WHEN 'image.layer-ca-certificate' THEN 'CA certificate added to the image'
    WHEN 'host.file-sharing-sensitive' THEN 'Docker Desktop shares a sensitive folder'
    WHEN 'host.file-sharing-defaults' THEN 'Docker Desktop shares its broad default folders'
    WHEN 'host.daemon-tcp-insecure' THEN 'Engine API exposed on TCP without TLS'
    WHEN 'host.eci-disabled' THEN 'Enhanced Container Isolation is off'
    WHEN 'host.host-networking' THEN 'Docker Desktop host networking is on'
    WHEN 'host.extensions-unrestricted' THEN 'Docker Desktop extensions from anywhere'
    WHEN 'host.settings-unreadable' THEN 'Docker Desktop settings could not be read'
    WHEN 'host.engine-advisory' THEN 'Engine component with a known advisory'
    ELSE rule_id END
WHERE title = '';
