@description('''
ACR task that rebuilds the worker image from the project's repository every week and whenever the
Node.js base image is updated, taking the newest yt-dlp release (verified against that release's
SHA2-256SUMS by container/install-yt-dlp.sh). It moves the tag the app runs, and also pushes a
tag per run so an operator can pin or roll back.
''')
param registryName string
param location string
param tags object = {}

@description('Public git URL of the repository, with an optional #branch, e.g. https://github.com/owner/mediaferry.git#main.')
param sourceRepositoryUrl string

@description('Repository of the worker image in the registry.')
param imageRepository string

@description('The tag the app runs (WORKER_IMAGE); every rebuild moves it.')
param imageTag string

@description('When to rebuild, as a UTC cron expression; default Mondays 04:00.')
param schedule string = '0 4 * * 1'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource rebuild 'Microsoft.ContainerRegistry/registries/tasks@2019-06-01-preview' = {
  parent: registry
  name: 'rebuild-${imageRepository}'
  location: location
  tags: tags
  properties: {
    status: 'Enabled'
    platform: {
      os: 'Linux'
      architecture: 'amd64'
    }
    agentConfiguration: {
      cpu: 2
    }
    timeout: 3600
    step: {
      type: 'Docker'
      contextPath: sourceRepositoryUrl
      dockerFilePath: 'container/Dockerfile'
      imageNames: [
        '${imageRepository}:${imageTag}'
        '${imageRepository}:{{.Run.ID}}'
      ]
      isPushEnabled: true
      // A cached layer would keep last week's yt-dlp: every run fetches the newest release again.
      noCache: true
      arguments: [
        {
          name: 'YT_DLP_VERSION'
          value: 'latest'
          isSecret: false
        }
      ]
    }
    trigger: {
      timerTriggers: [
        {
          name: 'weekly'
          schedule: schedule
          status: 'Enabled'
        }
      ]
      baseImageTrigger: {
        name: 'baseImageUpdate'
        baseImageTriggerType: 'Runtime'
        status: 'Enabled'
      }
    }
  }
}

output taskName string = rebuild.name
